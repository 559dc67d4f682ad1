//! AVX2 path for 256- to 1024-bit codes (stride 32, 64, 96 or 128 bytes):
//! 8 codes per step. Each code's bytes are popcounted and summed per 8-byte
//! word (`vpsadbw`); two rounds of horizontal adds fold the word sums of 4
//! codes at a time, leaving 8 distances in one vector for a single compare.
//! The width is a const generic so the query stays in registers and the
//! per-code loop is fully unrolled.

use std::arch::x86_64::*;

use super::popcount_bytes;
use crate::kernels::{key, push_lanes};

/// Whether codes of `stride` bytes take this path.
pub(super) fn supports(stride: usize) -> bool {
    matches!(stride, 32 | 64 | 96 | 128)
}

/// Calls `$f::<W>(args)` with `W = stride / 32`, the number of 32-byte words.
macro_rules! by_width {
    ($stride:expr, $f:ident($($arg:expr),*)) => {
        match $stride {
            32 => $f::<1>($($arg),*),
            64 => $f::<2>($($arg),*),
            96 => $f::<3>($($arg),*),
            128 => $f::<4>($($arg),*),
            other => unreachable!("wide kernel called with stride {other}"),
        }
    };
}

/// The query's `W` 32-byte words.
#[inline]
#[target_feature(enable = "avx2")]
fn load_query<const W: usize>(query: &[u8]) -> [__m256i; W] {
    assert_eq!(query.len(), 32 * W, "query length must equal the stride");
    // SAFETY: word `w < W` lies within the `32 * W` bytes just checked.
    std::array::from_fn(|w| unsafe { _mm256_loadu_si256(query.as_ptr().add(32 * w).cast()) })
}

/// Popcounts of `query XOR code` per 8-byte word of the code at `c`, as four
/// `u64` lanes whose sum is the distance.
///
/// # Safety
/// `c` must have `32 * W` readable bytes.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn word_sums<const W: usize>(q: &[__m256i; W], c: *const u8) -> __m256i {
    let mut acc = _mm256_setzero_si256();
    for (w, &qw) in q.iter().enumerate() {
        // SAFETY: word `w < W` lies within the caller's `32 * W` bytes. Byte
        // counters gain at most 8 per word, so 4 words cannot overflow.
        let x = unsafe { _mm256_loadu_si256(c.add(32 * w).cast()) };
        acc = _mm256_add_epi8(acc, popcount_bytes(_mm256_xor_si256(x, qw)));
    }
    _mm256_sad_epu8(acc, _mm256_setzero_si256())
}

/// Folds the word sums of 4 codes: per 128-bit half, one partial per code
/// (`[p0, p1, p2, p3]`); a code's distance is its low-half partial plus its
/// high-half partial. Every sum fits in 32 bits, so the odd 32-bit lanes are
/// zero and two rounds of horizontal adds suffice.
#[inline]
#[target_feature(enable = "avx2")]
fn fold4(s0: __m256i, s1: __m256i, s2: __m256i, s3: __m256i) -> __m256i {
    _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3))
}

/// Distances of the 8 consecutive codes at `p` to the query, as 8 `i32` in
/// code order.
///
/// # Safety
/// `p` must have `8 * 32 * W` readable bytes.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn dist8<const W: usize>(q: &[__m256i; W], p: *const u8) -> __m256i {
    // SAFETY: code `j < 8` lies within the caller's `8 * 32 * W` bytes.
    let s = |j: usize| unsafe { word_sums(q, p.add(j * 32 * W)) };
    let lo = fold4(s(0), s(1), s(2), s(3));
    let hi = fold4(s(4), s(5), s(6), s(7));
    _mm256_add_epi32(
        _mm256_permute2x128_si256(lo, hi, 0x20),
        _mm256_permute2x128_si256(lo, hi, 0x31),
    )
}

/// Distance of the one code at `c` (the tail after the 8-code blocks).
///
/// # Safety
/// `c` must have `32 * W` readable bytes.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn dist1<const W: usize>(q: &[__m256i; W], c: *const u8) -> u32 {
    // SAFETY: forwarded from the caller.
    let s = unsafe { word_sums(q, c) };
    let t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    (_mm_cvtsi128_si64(t) + _mm_extract_epi64(t, 1)) as u32
}

#[target_feature(enable = "avx2")]
fn distances_w<const W: usize>(query: &[u8], db: &[u8], out: &mut [u16]) {
    let stride = 32 * W;
    assert_eq!(db.len(), out.len() * stride, "one output per code");
    let q = load_query::<W>(query);
    let mut blocks = db.chunks_exact(8 * stride);
    let mut dsts = out.chunks_exact_mut(8);
    let mut lanes = [0u32; 8];
    for (block, dst) in (&mut blocks).zip(&mut dsts) {
        // SAFETY: `block` holds 8 codes; `lanes` is 32 bytes.
        unsafe {
            let d = dist8(&q, block.as_ptr());
            _mm256_storeu_si256(lanes.as_mut_ptr().cast(), d);
        }
        for (o, &d) in dst.iter_mut().zip(&lanes) {
            *o = d as u16;
        }
    }
    for (code, o) in blocks
        .remainder()
        .chunks_exact(stride)
        .zip(dsts.into_remainder())
    {
        // SAFETY: `code` holds `stride` bytes.
        *o = unsafe { dist1(&q, code.as_ptr()) } as u16;
    }
}

#[target_feature(enable = "avx2")]
fn collect_below_w<const W: usize>(
    query: &[u8],
    db: &[u8],
    first_id: u32,
    threshold: u32,
    out: &mut Vec<u64>,
) {
    let stride = 32 * W;
    let q = load_query::<W>(query);
    let t = _mm256_set1_epi32(threshold.min(i32::MAX as u32) as i32);
    let mut blocks = db.chunks_exact(8 * stride);
    let mut lanes = [0u32; 8];
    let mut id = first_id;
    for block in &mut blocks {
        // SAFETY: `block` holds 8 codes.
        let d = unsafe { dist8(&q, block.as_ptr()) };
        let mask = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(t, d))) as u32;
        if mask != 0 {
            // SAFETY: `lanes` holds exactly 32 bytes.
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), d) };
            push_lanes(mask.into(), 1, |i| lanes[i], id, out);
        }
        id += 8;
    }
    for code in blocks.remainder().chunks_exact(stride) {
        // SAFETY: `code` holds `stride` bytes.
        let d = unsafe { dist1(&q, code.as_ptr()) };
        if d < threshold {
            out.push(key(d, id));
        }
        id += 1;
    }
}

/// # Safety
/// The CPU must support AVX2; `supports(stride)`, `query.len() == stride`,
/// `out.len() * stride == db.len()`.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn distances(query: &[u8], db: &[u8], stride: usize, out: &mut [u16]) {
    by_width!(stride, distances_w(query, db, out))
}

/// # Safety
/// The CPU must support AVX2; `supports(stride)`, `query.len() == stride`,
/// `db.len() % stride == 0`.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn collect_below(
    query: &[u8],
    db: &[u8],
    stride: usize,
    first_id: u32,
    threshold: u32,
    out: &mut Vec<u64>,
) {
    by_width!(stride, collect_below_w(query, db, first_id, threshold, out))
}
