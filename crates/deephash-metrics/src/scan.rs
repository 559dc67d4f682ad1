//! The one pass over the database per query: Hamming distance, relevance,
//! distance histogram and the relevant items, in O(N).
//!
//! This is the first half of a stable counting sort by distance: the histogram
//! gives where each distance group starts in the ranking, and each relevant
//! item remembers its rank inside its group (items of a group keep database
//! order, so ties are broken by database index). The ranking is never
//! materialised: the metrics only need the positions of the relevant items.

use deephash_codes::CodeMatrix;

use crate::MetricsError;
use crate::relevance::Relevance;

/// Bits of a scanned item's within-group rank; the distance sits above them.
pub(crate) const LOCAL_BITS: u32 = 40;

/// Result of scanning one query: `hist[d]` items at distance d, and the
/// relevant items as `(d << LOCAL_BITS) | rank within group d`, in database order.
pub(crate) struct ScanBuffers {
    /// Items at each distance 0..=bits.
    pub(crate) hist: Vec<u32>,
    /// Distance of every database item to the query.
    pub(crate) dist: Vec<u16>,
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
            dist: vec![0; database],
            items: vec![0; database],
            relevant: 0,
        }
    }
}

/// Scans the database for query `q`, filling `out`. Distances come from the
/// SIMD kernel of deephash-index (AVX-512 / AVX2 / popcnt, chosen at run time).
pub(crate) fn scan(
    query: &CodeMatrix,
    q: usize,
    db: &CodeMatrix,
    rel: &Relevance<'_>,
    out: &mut ScanBuffers,
) -> Result<(), MetricsError> {
    out.hist.fill(0);
    deephash_index::distances(query.code(q), db, &mut out.dist).map_err(|err| {
        MetricsError::Kernel {
            message: err.to_string(),
        }
    })?;
    out.relevant = match rel {
        Relevance::Single { query: ql, db: dl } => {
            let label = ql[q];
            count(out, |j| dl[j] == label)
        }
        Relevance::Multi {
            words,
            query: qm,
            db: dm,
        } => {
            let w = *words;
            let mine = &qm[q * w..(q + 1) * w];
            count(out, |j| {
                dm[j * w..(j + 1) * w]
                    .iter()
                    .zip(mine)
                    .any(|(a, b)| a & b != 0)
            })
        }
    };
    Ok(())
}

/// Histogram by distance and the relevant items with their rank in their group.
#[inline(always)]
fn count<F: Fn(usize) -> bool>(out: &mut ScanBuffers, rel: F) -> usize {
    let hist = &mut out.hist[..];
    let items = &mut out.items[..];
    let mut relevant = 0usize;
    for (j, &d) in out.dist.iter().enumerate() {
        let d = usize::from(d);
        let local = hist[d];
        hist[d] = local + 1;
        // Branch-free append: always write, advance only when relevant
        // (`relevant <= j`, so the slot exists).
        items[relevant] = ((d as u64) << LOCAL_BITS) | u64::from(local);
        relevant += usize::from(rel(j));
    }
    relevant
}

#[cfg(test)]
mod tests {
    use super::*;
    use deephash_codes::Labels;

    #[test]
    fn histogram_and_relevant_ranks() {
        // Query 0x00; database distances 1, 0, 1, 8, 1 with labels 1, 2, 1, 1, 3.
        let q = CodeMatrix::from_packed(8, vec![0x00]).unwrap();
        let db = CodeMatrix::from_packed(8, vec![0x80, 0x00, 0x01, 0xff, 0x10]).unwrap();
        let (ql, dl) = (Labels::Single(vec![1]), Labels::Single(vec![1, 2, 1, 1, 3]));
        let rel = Relevance::new(&ql, &dl).unwrap();
        let mut out = ScanBuffers::new(8, 5);
        scan(&q, 0, &db, &rel, &mut out).unwrap();
        assert_eq!(out.hist, vec![1, 3, 0, 0, 0, 0, 0, 0, 1]);
        let enc = |d: u64, local: u64| (d << LOCAL_BITS) | local;
        assert_eq!(out.relevant, 3);
        assert_eq!(&out.items[..3], &[enc(1, 0), enc(1, 1), enc(8, 0)]);
    }
}
