//! The one pass over the database per query: Hamming distance, relevance,
//! distance histogram and the relevant items, in O(N).
//!
//! This is the first half of a stable counting sort by distance: the histogram
//! gives where each distance group starts in the ranking, and each relevant
//! item remembers its rank inside its group (items of a group keep database
//! order, so ties are broken by database index). The ranking is never
//! materialised: the metrics only need the positions of the relevant items.

use crate::packed::PackedWords;
use crate::relevance::Relevance;

/// Bits of a scanned item's within-group rank; the distance sits above them.
pub(crate) const LOCAL_BITS: u32 = 40;

/// Result of scanning one query: `hist[d]` items at distance d, and the
/// relevant items as `(d << LOCAL_BITS) | rank within group d`, in database order.
pub(crate) struct ScanBuffers {
    /// Items at each distance 0..=bits.
    pub(crate) hist: Vec<u32>,
    /// Relevant items, encoded; only the first `relevant` entries are valid.
    pub(crate) items: Vec<u64>,
    /// Number of relevant items.
    pub(crate) relevant: usize,
}

impl ScanBuffers {
    /// Buffers for codes of `bits` bits and a database of `database` items.
    pub(crate) fn new(bits: usize, database: usize) -> Self {
        Self {
            hist: vec![0; bits + 1],
            items: vec![0; database],
            relevant: 0,
        }
    }
}

/// Scans the database for query `q`, filling `out`.
pub(crate) fn scan(
    query: &PackedWords,
    q: usize,
    db: &PackedWords,
    rel: &Relevance<'_>,
    out: &mut ScanBuffers,
) {
    out.hist.fill(0);
    let code = query.code(q);
    out.relevant = match rel {
        Relevance::Single { query: ql, db: dl } => {
            let label = ql[q];
            dispatch(code, db, |j| dl[j] == label, out)
        }
        Relevance::Multi {
            words,
            query: qm,
            db: dm,
        } => {
            let w = *words;
            let mine = &qm[q * w..(q + 1) * w];
            dispatch(
                code,
                db,
                |j| {
                    dm[j * w..(j + 1) * w]
                        .iter()
                        .zip(mine)
                        .any(|(a, b)| a & b != 0)
                },
                out,
            )
        }
    };
}

/// Picks the kernel for the code width and the CPU.
fn dispatch<F: Fn(usize) -> bool>(
    code: &[u64],
    db: &PackedWords,
    rel: F,
    out: &mut ScanBuffers,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU supports popcnt, checked just above.
        return unsafe { dispatch_popcnt(code, db, rel, out) };
    }
    dispatch_width(code, db, rel, out)
}

/// [`dispatch_width`] compiled with the popcnt instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn dispatch_popcnt<F: Fn(usize) -> bool>(
    code: &[u64],
    db: &PackedWords,
    rel: F,
    out: &mut ScanBuffers,
) -> usize {
    dispatch_width(code, db, rel, out)
}

/// Monomorphises the kernel for the common code widths (64 to 1024 bits).
#[inline(always)]
fn dispatch_width<F: Fn(usize) -> bool>(
    code: &[u64],
    db: &PackedWords,
    rel: F,
    out: &mut ScanBuffers,
) -> usize {
    match db.words() {
        1 => kernel::<1, F>(code, db.as_slice(), rel, out),
        2 => kernel::<2, F>(code, db.as_slice(), rel, out),
        4 => kernel::<4, F>(code, db.as_slice(), rel, out),
        8 => kernel::<8, F>(code, db.as_slice(), rel, out),
        16 => kernel::<16, F>(code, db.as_slice(), rel, out),
        _ => kernel::<0, F>(code, db.as_slice(), rel, out),
    }
}

/// The scan proper; `W` words per code, or `W = 0` for any width.
#[inline(always)]
fn kernel<const W: usize, F: Fn(usize) -> bool>(
    code: &[u64],
    db: &[u64],
    rel: F,
    out: &mut ScanBuffers,
) -> usize {
    let width = if W == 0 { code.len() } else { W };
    let hist = &mut out.hist[..];
    let items = &mut out.items[..];
    let mut relevant = 0usize;
    for (j, other) in db.chunks_exact(width).enumerate() {
        let d = distance::<W>(code, other);
        let local = hist[d];
        hist[d] = local + 1;
        // Branch-free append: always write, advance only when relevant
        // (`relevant <= j`, so the slot exists).
        items[relevant] = ((d as u64) << LOCAL_BITS) | u64::from(local);
        relevant += usize::from(rel(j));
    }
    relevant
}

/// Hamming distance of two codes of `W` words (`W = 0`: any equal length).
#[inline(always)]
fn distance<const W: usize>(a: &[u64], b: &[u64]) -> usize {
    if W == 0 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x ^ y).count_ones() as usize)
            .sum()
    } else {
        (0..W).map(|i| (a[i] ^ b[i]).count_ones() as usize).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deephash_codes::{CodeMatrix, Labels};

    #[test]
    fn histogram_and_relevant_ranks() {
        // Query 0x00; database distances 1, 0, 1, 8, 1 with labels 1, 2, 1, 1, 3.
        let q = CodeMatrix::from_packed(8, vec![0x00]).unwrap();
        let db = CodeMatrix::from_packed(8, vec![0x80, 0x00, 0x01, 0xff, 0x10]).unwrap();
        let (ql, dl) = (Labels::Single(vec![1]), Labels::Single(vec![1, 2, 1, 1, 3]));
        let rel = Relevance::new(&ql, &dl).unwrap();
        let mut out = ScanBuffers::new(8, 5);
        scan(
            &PackedWords::new(&q),
            0,
            &PackedWords::new(&db),
            &rel,
            &mut out,
        );
        assert_eq!(out.hist, vec![1, 3, 0, 0, 0, 0, 0, 0, 1]);
        let enc = |d: u64, local: u64| (d << LOCAL_BITS) | local;
        assert_eq!(out.relevant, 3);
        assert_eq!(&out.items[..3], &[enc(1, 0), enc(1, 1), enc(8, 0)]);
    }
}
