//! Scalar kernels: one word at a time. The plain versions are the reference every
//! other kernel is tested against; the `_popcnt` versions are the same code
//! compiled with the `popcnt` instruction enabled.

use super::key;

#[inline(always)]
fn word(bytes: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes"))
}

#[inline(always)]
pub(super) fn distance(a: &[u8], b: &[u8]) -> u32 {
    (0..a.len() / 8)
        .map(|i| (word(a, i) ^ word(b, i)).count_ones())
        .sum()
}

#[inline(always)]
pub(super) fn distances(query: &[u8], db: &[u8], stride: usize, out: &mut [u16]) {
    for (code, d) in db.chunks_exact(stride).zip(out.iter_mut()) {
        *d = distance(query, code) as u16;
    }
}

#[inline(always)]
pub(super) fn collect_below(
    query: &[u8],
    db: &[u8],
    stride: usize,
    first_id: u32,
    threshold: u32,
    out: &mut Vec<u64>,
) {
    for (i, code) in db.chunks_exact(stride).enumerate() {
        let d = distance(query, code);
        if d < threshold {
            out.push(key(d, first_id + i as u32));
        }
    }
}

#[inline(always)]
pub(super) fn distances_of(query: &[u8], db: &[u8], stride: usize, ids: &[u32], out: &mut [u16]) {
    for (&id, d) in ids.iter().zip(out.iter_mut()) {
        let at = id as usize * stride;
        *d = distance(query, &db[at..at + stride]) as u16;
    }
}

/// [`distances`] with the `popcnt` instruction.
///
/// # Safety
/// The CPU must support `popcnt`.
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "popcnt"))]
pub(super) unsafe fn distances_popcnt(query: &[u8], db: &[u8], stride: usize, out: &mut [u16]) {
    distances(query, db, stride, out)
}

/// [`collect_below`] with the `popcnt` instruction.
///
/// # Safety
/// The CPU must support `popcnt`.
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "popcnt"))]
pub(super) unsafe fn collect_below_popcnt(
    query: &[u8],
    db: &[u8],
    stride: usize,
    first_id: u32,
    threshold: u32,
    out: &mut Vec<u64>,
) {
    collect_below(query, db, stride, first_id, threshold, out)
}

/// [`distances_of`] with the `popcnt` instruction.
///
/// # Safety
/// The CPU must support `popcnt`.
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "popcnt"))]
pub(super) unsafe fn distances_of_popcnt(
    query: &[u8],
    db: &[u8],
    stride: usize,
    ids: &[u32],
    out: &mut [u16],
) {
    distances_of(query, db, stride, ids, out)
}
