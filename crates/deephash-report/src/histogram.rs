//! Hamming distances of relevant vs irrelevant pairs, counted per distance.

use deephash_codes::{CodeMatrix, Labels};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ReportError;

/// How many query-database pairs lie at each Hamming distance `0..=bits`, separately for
/// relevant pairs (sharing a label) and irrelevant ones. Good codes put the relevant mass at
/// small distances and the irrelevant mass far away; the overlap is what ranking cannot fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistanceHistogram {
    /// `relevant[d]`: number of relevant pairs at distance `d`.
    pub relevant: Vec<u64>,
    /// `irrelevant[d]`: number of irrelevant pairs at distance `d`.
    pub irrelevant: Vec<u64>,
}

impl DistanceHistogram {
    /// Counts every (query, database item) pair. Fails when the code lengths differ or a
    /// label set does not have one entry per code.
    pub fn from_codes(
        queries: &CodeMatrix,
        query_labels: &Labels,
        db: &CodeMatrix,
        db_labels: &Labels,
    ) -> Result<Self, ReportError> {
        check_inputs(queries, query_labels, db, db_labels)?;
        let bins = queries.bits() + 1;
        let empty = || (vec![0u64; bins], vec![0u64; bins]);
        let (relevant, irrelevant) = (0..queries.len())
            .into_par_iter()
            .fold(empty, |mut acc, q| {
                count_query(queries.code(q), q, query_labels, db, db_labels, &mut acc);
                acc
            })
            .reduce(empty, |mut a, b| {
                add_into(&mut a.0, &b.0);
                add_into(&mut a.1, &b.1);
                a
            });
        Ok(Self {
            relevant,
            irrelevant,
        })
    }

    /// The number of bins (`bits + 1`).
    pub fn bins(&self) -> usize {
        self.relevant.len()
    }

    /// Fails unless both count vectors have `bits + 1` bins.
    pub(crate) fn check_bits(&self, bits: usize) -> Result<(), ReportError> {
        if self.relevant.len() == bits + 1 && self.irrelevant.len() == bits + 1 {
            Ok(())
        } else {
            Err(ReportError::InvalidData(format!(
                "{bits} bits: the distance histogram has {} relevant and {} irrelevant bins, expected {}",
                self.relevant.len(),
                self.irrelevant.len(),
                bits + 1
            )))
        }
    }
}

fn check_inputs(
    q: &CodeMatrix,
    ql: &Labels,
    db: &CodeMatrix,
    dbl: &Labels,
) -> Result<(), ReportError> {
    let fail = |m: String| Err(ReportError::InvalidData(m));
    if q.bits() != db.bits() {
        return fail(format!(
            "queries have {} bits but the database has {}",
            q.bits(),
            db.bits()
        ));
    }
    if ql.len() != q.len() {
        return fail(format!(
            "{} query labels for {} query codes",
            ql.len(),
            q.len()
        ));
    }
    if dbl.len() != db.len() {
        return fail(format!(
            "{} database labels for {} database codes",
            dbl.len(),
            db.len()
        ));
    }
    Ok(())
}

fn count_query(
    code: &[u8],
    q: usize,
    query_labels: &Labels,
    db: &CodeMatrix,
    db_labels: &Labels,
    (relevant, irrelevant): &mut (Vec<u64>, Vec<u64>),
) {
    for i in 0..db.len() {
        let d = hamming(code, db.code(i));
        if query_labels.relevant(q, db_labels, i) {
            relevant[d] += 1;
        } else {
            irrelevant[d] += 1;
        }
    }
}

fn hamming(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x ^ y).count_ones() as usize)
        .sum()
}

fn add_into(acc: &mut [u64], other: &[u64]) {
    acc.iter_mut().zip(other).for_each(|(a, b)| *a += b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_pair_by_distance_and_relevance() {
        let q = CodeMatrix::from_packed(8, vec![0b0000_0000, 0b1111_1111]).unwrap();
        let db = CodeMatrix::from_packed(8, vec![0b0000_0001, 0b1111_1111, 0b0000_0000]).unwrap();
        let ql = Labels::Single(vec![1, 2]);
        let dbl = Labels::Single(vec![1, 2, 2]);
        let h = DistanceHistogram::from_codes(&q, &ql, &db, &dbl).unwrap();
        // q0 (label 1): db0 d=1 rel, db1 d=8 irr, db2 d=0 irr.
        // q1 (label 2): db0 d=7 irr, db1 d=0 rel, db2 d=8 rel.
        let mut rel = vec![0; 9];
        rel[1] = 1;
        rel[0] = 1;
        rel[8] = 1;
        let mut irr = vec![0; 9];
        irr[8] = 1;
        irr[0] = 1;
        irr[7] = 1;
        assert_eq!(h.relevant, rel);
        assert_eq!(h.irrelevant, irr);
        assert_eq!(h.bins(), 9);
    }

    #[test]
    fn rejects_mismatched_inputs() {
        let q = CodeMatrix::from_packed(8, vec![0]).unwrap();
        let db16 = CodeMatrix::from_packed(16, vec![0, 0]).unwrap();
        let one = Labels::Single(vec![1]);
        let err = DistanceHistogram::from_codes(&q, &one, &db16, &one).unwrap_err();
        assert!(err.to_string().contains("16"), "{err}");
        let two = Labels::Single(vec![1, 2]);
        let err = DistanceHistogram::from_codes(&q, &two, &q, &one).unwrap_err();
        assert!(err.to_string().contains("query labels"), "{err}");
    }
}
