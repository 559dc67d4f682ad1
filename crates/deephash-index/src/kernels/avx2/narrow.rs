//! AVX2 path for 64-bit codes (stride 8): 16 codes per step, their 16
//! distances packed into one vector of `u16`.

use std::arch::x86_64::*;

use super::popcount_bytes;
use crate::kernels::{push_lanes, scalar};

/// Distances of 16 consecutive 8-byte codes at `p` to the broadcast query
/// `q`, as 16 `u16` in code order.
///
/// # Safety
/// `p` must point to 128 readable bytes.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn dist16(q: __m256i, p: *const u8) -> __m256i {
    let zero = _mm256_setzero_si256();
    // SAFETY: the caller guarantees 128 readable bytes at `p`.
    let load = |i: usize| unsafe { _mm256_loadu_si256(p.add(32 * i) as *const __m256i) };
    let sums = |i: usize| _mm256_sad_epu8(popcount_bytes(_mm256_xor_si256(load(i), q)), zero);
    let a = _mm256_packus_epi32(sums(0), sums(1));
    let b = _mm256_packus_epi32(sums(2), sums(3));
    let c = _mm256_packus_epi32(a, b);
    _mm256_permutevar8x32_epi32(c, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
}

#[target_feature(enable = "avx2")]
fn broadcast(query: &[u8]) -> __m256i {
    _mm256_set1_epi64x(i64::from_le_bytes(query.try_into().expect("8-byte query")))
}

/// # Safety
/// The CPU must support AVX2 and popcnt; `query.len() == 8`, `out.len() * 8 == db.len()`.
#[target_feature(enable = "avx2,popcnt")]
pub(super) unsafe fn distances(query: &[u8], db: &[u8], out: &mut [u16]) {
    let q = broadcast(query);
    let blocks = out.len() / 16;
    for b in 0..blocks {
        // SAFETY: block `b` covers codes 16b..16b+16 <= n, inside `db` and `out`.
        unsafe {
            let d = dist16(q, db.as_ptr().add(b * 128));
            _mm256_storeu_si256(out.as_mut_ptr().add(b * 16) as *mut __m256i, d);
        }
    }
    scalar::distances(query, &db[blocks * 128..], 8, &mut out[blocks * 16..]);
}

/// # Safety
/// The CPU must support AVX2 and popcnt; `query.len() == 8`, `db.len() % 8 == 0`.
#[target_feature(enable = "avx2,popcnt")]
pub(super) unsafe fn collect_below(
    query: &[u8],
    db: &[u8],
    first_id: u32,
    threshold: u32,
    out: &mut Vec<u64>,
) {
    let q = broadcast(query);
    let t = _mm256_set1_epi16(threshold.min(i16::MAX as u32) as i16);
    let blocks = db.len() / 128;
    let mut lanes = [0u16; 16];
    for b in 0..blocks {
        // SAFETY: block `b` covers codes 16b..16b+16 <= n, inside `db`.
        let d = unsafe { dist16(q, db.as_ptr().add(b * 128)) };
        // Two mask bits per 16-bit lane; keep the low one.
        let mask = _mm256_movemask_epi8(_mm256_cmpgt_epi16(t, d)) as u32 & 0x5555_5555;
        if mask != 0 {
            // SAFETY: `lanes` holds exactly 32 bytes.
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, d) };
            let first = first_id + (b * 16) as u32;
            push_lanes(mask.into(), 2, |i| u32::from(lanes[i]), first, out);
        }
    }
    let done = blocks * 16;
    scalar::collect_below(
        query,
        &db[done * 8..],
        8,
        first_id + done as u32,
        threshold,
        out,
    );
}
