//! AVX2 kernels: popcount by nibble lookup (`vpshufb`) and byte sums (`vpsadbw`).
//! 64-bit codes are handled 16 at a time with a fused threshold compare; codes
//! whose stride is a multiple of 32 bytes use one vector pass per code; other
//! strides use the `popcnt` scalar loop.

use super::scalar;

#[cfg(target_arch = "x86_64")]
mod imp {
    use std::arch::x86_64::*;

    use super::super::key;
    use super::scalar;

    #[inline]
    #[target_feature(enable = "avx2")]
    fn popcount_bytes(x: __m256i) -> __m256i {
        let lut = _mm256_setr_epi8(
            0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2,
            3, 3, 4,
        );
        let low = _mm256_set1_epi8(0x0f);
        let lo = _mm256_and_si256(x, low);
        let hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);
        _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi))
    }

    /// Distances of 16 consecutive 8-byte codes at `p` to the broadcast query
    /// `q`, as 16 `u16` in code order.
    ///
    /// # Safety
    /// `p` must point to 128 readable bytes.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn dist16_w8(q: __m256i, p: *const u8) -> __m256i {
        let zero = _mm256_setzero_si256();
        // SAFETY: the caller guarantees 128 readable bytes at `p`.
        let load = |i: usize| unsafe { _mm256_loadu_si256(p.add(32 * i) as *const __m256i) };
        let sums = |i: usize| _mm256_sad_epu8(popcount_bytes(_mm256_xor_si256(load(i), q)), zero);
        let a = _mm256_packus_epi32(sums(0), sums(1));
        let b = _mm256_packus_epi32(sums(2), sums(3));
        let c = _mm256_packus_epi32(a, b);
        _mm256_permutevar8x32_epi32(c, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
    }

    /// Distance of one code of `stride` bytes (a multiple of 32, at most 1024 bits).
    ///
    /// # Safety
    /// `q` and `c` must have `stride` readable bytes.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn dist_wide(q: *const u8, c: *const u8, stride: usize) -> u32 {
        let mut acc = _mm256_setzero_si256();
        for off in (0..stride).step_by(32) {
            // SAFETY: `off + 32 <= stride` and both pointers have `stride` bytes.
            let (x, y) = unsafe {
                (
                    _mm256_loadu_si256(q.add(off) as *const __m256i),
                    _mm256_loadu_si256(c.add(off) as *const __m256i),
                )
            };
            acc = _mm256_add_epi8(acc, popcount_bytes(_mm256_xor_si256(x, y)));
        }
        let s = _mm256_sad_epu8(acc, _mm256_setzero_si256());
        let t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        (_mm_cvtsi128_si64(t) + _mm_extract_epi64(t, 1)) as u32
    }

    fn broadcast8(query: &[u8]) -> i64 {
        i64::from_le_bytes(query.try_into().expect("8-byte query"))
    }

    /// # Safety
    /// The CPU must support AVX2 and popcnt; `stride % 8 == 0`, `query.len() == stride`.
    #[target_feature(enable = "avx2,popcnt")]
    pub unsafe fn distances(query: &[u8], db: &[u8], stride: usize, out: &mut [u16]) {
        let n = out.len();
        if stride == 8 {
            let q = _mm256_set1_epi64x(broadcast8(query));
            let blocks = n / 16;
            for b in 0..blocks {
                // SAFETY: block `b` covers codes 16b..16b+16 < n, inside `db` and `out`.
                unsafe {
                    let d = dist16_w8(q, db.as_ptr().add(b * 128));
                    _mm256_storeu_si256(out.as_mut_ptr().add(b * 16) as *mut __m256i, d);
                }
            }
            scalar::distances(query, &db[blocks * 128..], 8, &mut out[blocks * 16..]);
        } else if stride % 32 == 0 {
            for (i, d) in out.iter_mut().enumerate() {
                // SAFETY: code `i < n` has `stride` bytes in `db`.
                *d = unsafe { dist_wide(query.as_ptr(), db.as_ptr().add(i * stride), stride) }
                    as u16;
            }
        } else {
            scalar::distances(query, db, stride, out);
        }
    }

    /// # Safety
    /// As [`distances`].
    #[target_feature(enable = "avx2,popcnt")]
    pub unsafe fn collect_below(
        query: &[u8],
        db: &[u8],
        stride: usize,
        first_id: u32,
        threshold: u32,
        out: &mut Vec<u64>,
    ) {
        let n = db.len() / stride;
        if stride == 8 {
            let q = _mm256_set1_epi64x(broadcast8(query));
            let t = _mm256_set1_epi16(threshold.min(i16::MAX as u32) as i16);
            let blocks = n / 16;
            let mut lanes = [0u16; 16];
            for b in 0..blocks {
                // SAFETY: block `b` covers codes 16b..16b+16 < n, inside `db`.
                let d = unsafe { dist16_w8(q, db.as_ptr().add(b * 128)) };
                let mut mask = _mm256_movemask_epi8(_mm256_cmpgt_epi16(t, d)) as u32 & 0x5555_5555;
                if mask != 0 {
                    // SAFETY: `lanes` holds exactly 32 bytes.
                    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, d) };
                    while mask != 0 {
                        let lane = mask.trailing_zeros() as usize / 2;
                        out.push(key(
                            u32::from(lanes[lane]),
                            first_id + (b * 16 + lane) as u32,
                        ));
                        mask &= mask - 1;
                    }
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
        } else if stride % 32 == 0 {
            for i in 0..n {
                // SAFETY: code `i < n` has `stride` bytes in `db`.
                let d = unsafe { dist_wide(query.as_ptr(), db.as_ptr().add(i * stride), stride) };
                if d < threshold {
                    out.push(key(d, first_id + i as u32));
                }
            }
        } else {
            scalar::collect_below(query, db, stride, first_id, threshold, out);
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) use imp::{collect_below, distances};

/// Fallback off x86-64 (never selected there: `Kernel::available` lists no AVX2).
///
/// # Safety
/// Always safe; `unsafe` only to match the x86-64 signature.
#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn distances(query: &[u8], db: &[u8], stride: usize, out: &mut [u16]) {
    scalar::distances(query, db, stride, out)
}

/// Fallback off x86-64 (never selected there).
///
/// # Safety
/// Always safe; `unsafe` only to match the x86-64 signature.
#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn collect_below(
    q: &[u8],
    db: &[u8],
    s: usize,
    f: u32,
    t: u32,
    out: &mut Vec<u64>,
) {
    scalar::collect_below(q, db, s, f, t, out)
}
