//! AVX2 kernels: popcount by nibble lookup (`vpshufb`) and byte sums (`vpsadbw`),
//! with the threshold compare fused into the distance computation.
//! 64-bit codes take [`narrow`] (16 codes per step); 256- to 1024-bit codes,
//! whose stride is a multiple of 32 bytes, take [`wide`] (8 codes per step);
//! other strides use the `popcnt` scalar loop.

mod narrow;
mod wide;

use std::arch::x86_64::*;

use super::scalar;

/// Popcount of each byte of `x`, by two 16-entry nibble lookups.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn popcount_bytes(x: __m256i) -> __m256i {
    let lut = _mm256_setr_epi8(
        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3,
        3, 4,
    );
    let low = _mm256_set1_epi8(0x0f);
    let lo = _mm256_and_si256(x, low);
    let hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);
    _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi))
}

/// # Safety
/// The CPU must support AVX2 and popcnt; `stride % 8 == 0`, `query.len() == stride`.
#[target_feature(enable = "avx2,popcnt")]
pub(super) unsafe fn distances(query: &[u8], db: &[u8], stride: usize, out: &mut [u16]) {
    if stride == 8 {
        // SAFETY: forwarded from the caller.
        unsafe { narrow::distances(query, db, out) }
    } else if wide::supports(stride) {
        // SAFETY: forwarded from the caller.
        unsafe { wide::distances(query, db, stride, out) }
    } else {
        scalar::distances(query, db, stride, out);
    }
}

/// # Safety
/// As [`distances`].
#[target_feature(enable = "avx2,popcnt")]
pub(super) unsafe fn collect_below(
    query: &[u8],
    db: &[u8],
    stride: usize,
    first_id: u32,
    threshold: u32,
    out: &mut Vec<u64>,
) {
    if stride == 8 {
        // SAFETY: forwarded from the caller.
        unsafe { narrow::collect_below(query, db, first_id, threshold, out) }
    } else if wide::supports(stride) {
        // SAFETY: forwarded from the caller.
        unsafe { wide::collect_below(query, db, stride, first_id, threshold, out) }
    } else {
        scalar::collect_below(query, db, stride, first_id, threshold, out);
    }
}
