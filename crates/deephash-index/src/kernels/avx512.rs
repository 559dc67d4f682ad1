//! AVX-512 kernels with `VPOPCNTQ` (AVX512F + AVX512_VPOPCNTDQ): 64-bit codes
//! eight at a time with a fused threshold compare; other strides one code at a
//! time with masked 64-byte loads.

use std::arch::x86_64::*;

use super::{key, push_lanes, scalar};

/// Distance of one code of `stride` bytes (any multiple of 8).
///
/// # Safety
/// `q` and `c` must have `stride` readable bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
unsafe fn dist_any(q: *const u8, c: *const u8, stride: usize) -> u32 {
    let mut acc = _mm512_setzero_si512();
    for off in (0..stride).step_by(64) {
        let words = ((stride - off) / 8).min(8);
        let mask: __mmask8 = if words == 8 { 0xff } else { (1u8 << words) - 1 };
        // SAFETY: the mask limits the loads to the `stride` bytes of each code.
        let (x, y) = unsafe {
            (
                _mm512_maskz_loadu_epi64(mask, q.add(off) as *const i64),
                _mm512_maskz_loadu_epi64(mask, c.add(off) as *const i64),
            )
        };
        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
    }
    _mm512_reduce_add_epi64(acc) as u32
}

/// Distances of 8 consecutive 8-byte codes at `p` to the broadcast query.
///
/// # Safety
/// `p` must point to 64 readable bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
unsafe fn dist8_w8(q: __m512i, p: *const u8) -> __m512i {
    // SAFETY: the caller guarantees 64 readable bytes.
    let x = unsafe { _mm512_loadu_epi64(p as *const i64) };
    _mm512_popcnt_epi64(_mm512_xor_si512(x, q))
}

fn broadcast8(query: &[u8]) -> i64 {
    i64::from_le_bytes(query.try_into().expect("8-byte query"))
}

/// # Safety
/// The CPU must support AVX512F, AVX512_VPOPCNTDQ and popcnt; `stride % 8 == 0`.
#[target_feature(enable = "avx512f,avx512vpopcntdq,popcnt")]
pub(super) unsafe fn distances(query: &[u8], db: &[u8], stride: usize, out: &mut [u16]) {
    let n = out.len();
    if stride == 8 {
        let q = _mm512_set1_epi64(broadcast8(query));
        let blocks = n / 8;
        for b in 0..blocks {
            // SAFETY: block `b` covers codes 8b..8b+8 < n, inside `db` and `out`.
            unsafe {
                let d = _mm512_cvtepi64_epi16(dist8_w8(q, db.as_ptr().add(b * 64)));
                _mm_storeu_si128(out.as_mut_ptr().add(b * 8) as *mut __m128i, d);
            }
        }
        scalar::distances(query, &db[blocks * 64..], 8, &mut out[blocks * 8..]);
    } else {
        for (i, d) in out.iter_mut().enumerate() {
            // SAFETY: code `i < n` has `stride` bytes in `db`.
            *d = unsafe { dist_any(query.as_ptr(), db.as_ptr().add(i * stride), stride) } as u16;
        }
    }
}

/// # Safety
/// As [`distances`].
#[target_feature(enable = "avx512f,avx512vpopcntdq,popcnt")]
pub(super) unsafe fn collect_below(
    query: &[u8],
    db: &[u8],
    stride: usize,
    first_id: u32,
    threshold: u32,
    out: &mut Vec<u64>,
) {
    let n = db.len() / stride;
    if stride == 8 {
        let q = _mm512_set1_epi64(broadcast8(query));
        let t = _mm512_set1_epi64(i64::from(threshold));
        let blocks = n / 8;
        let mut lanes = [0u64; 8];
        for b in 0..blocks {
            // SAFETY: block `b` covers codes 8b..8b+8 < n, inside `db`.
            let d = unsafe { dist8_w8(q, db.as_ptr().add(b * 64)) };
            let mask = _mm512_cmplt_epu64_mask(d, t);
            if mask != 0 {
                // SAFETY: `lanes` holds exactly 64 bytes.
                unsafe { _mm512_storeu_epi64(lanes.as_mut_ptr() as *mut i64, d) };
                let first = first_id + (b * 8) as u32;
                push_lanes(mask.into(), 1, |i| lanes[i] as u32, first, out);
            }
        }
        let done = blocks * 8;
        scalar::collect_below(
            query,
            &db[done * 8..],
            8,
            first_id + done as u32,
            threshold,
            out,
        );
    } else {
        for i in 0..n {
            // SAFETY: code `i < n` has `stride` bytes in `db`.
            let d = unsafe { dist_any(query.as_ptr(), db.as_ptr().add(i * stride), stride) };
            if d < threshold {
                out.push(key(d, first_id + i as u32));
            }
        }
    }
}
