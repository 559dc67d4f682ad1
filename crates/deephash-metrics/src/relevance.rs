//! Relevance of database items to a query: a shared label, checked fast.

use deephash_codes::Labels;

use crate::{MetricsError, Side};

/// Labels of both sides in a form that answers "do query q and item j share a
/// label?" in a few instructions: the same rule as
/// [`deephash_codes::Labels::relevant`], but single-label ids are compared
/// directly and multi-label rows are packed into bit sets.
#[derive(Clone, Debug)]
pub(crate) enum Relevance<'a> {
    /// One class per item: relevant when the classes are equal.
    Single {
        /// Query classes.
        query: &'a [i64],
        /// Database classes.
        db: &'a [i64],
    },
    /// Several classes per item: relevant when the bit sets intersect.
    Multi {
        /// Words per bit set.
        words: usize,
        /// Query bit sets, row after row.
        query: Vec<u64>,
        /// Database bit sets, row after row.
        db: Vec<u64>,
    },
}

impl<'a> Relevance<'a> {
    /// Checks that both label sets are of one kind and width, and prepares them.
    pub(crate) fn new(query: &'a Labels, db: &'a Labels) -> Result<Self, MetricsError> {
        match (query, db) {
            (Labels::Single(q), Labels::Single(d)) => Ok(Relevance::Single { query: q, db: d }),
            (
                Labels::Multi {
                    classes: cq,
                    matrix: mq,
                },
                Labels::Multi {
                    classes: cd,
                    matrix: md,
                },
            ) => {
                if cq != cd {
                    return Err(MetricsError::ClassCount {
                        query: *cq,
                        db: *cd,
                    });
                }
                let words = cq.div_ceil(64).max(1);
                Ok(Relevance::Multi {
                    words,
                    query: pack(mq, *cq, words),
                    db: pack(md, *cd, words),
                })
            }
            _ => Err(MetricsError::LabelKind {
                query: kind(query),
                db: kind(db),
            }),
        }
    }
}

/// "single-label" or "multi-label", for error messages.
pub(crate) fn kind(labels: &Labels) -> &'static str {
    match labels {
        Labels::Single(_) => "single-label",
        Labels::Multi { .. } => "multi-label",
    }
}

/// Checks that `labels` holds one entry per code.
pub(crate) fn check_count(side: Side, codes: usize, labels: &Labels) -> Result<(), MetricsError> {
    if labels.len() == codes {
        Ok(())
    } else {
        Err(MetricsError::LabelCount {
            side,
            codes,
            labels: labels.len(),
        })
    }
}

/// Packs a row-major 0/1 matrix of `classes` columns into `words` u64 per row.
fn pack(matrix: &[bool], classes: usize, words: usize) -> Vec<u64> {
    if classes == 0 {
        return Vec::new();
    }
    let rows = matrix.len() / classes;
    let mut out = vec![0u64; rows * words];
    for (i, _) in matrix.iter().enumerate().filter(|(_, set)| **set) {
        let (row, col) = (i / classes, i % classes);
        out[row * words + col / 64] |= 1 << (col % 64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_multi_labels_agree_with_labels_relevant() {
        let classes = 70;
        let matrix: Vec<bool> = (0..5 * classes).map(|i| (i * 7919) % 11 == 0).collect();
        let labels = Labels::Multi { classes, matrix };
        let Relevance::Multi { words, query, db } = Relevance::new(&labels, &labels).unwrap()
        else {
            panic!("multi expected")
        };
        for a in 0..5 {
            for b in 0..5 {
                let fast = (0..words).any(|w| query[a * words + w] & db[b * words + w] != 0);
                assert_eq!(fast, labels.relevant(a, &labels, b), "{a} {b}");
            }
        }
    }

    #[test]
    fn kinds_and_widths_must_match() {
        let s = Labels::Single(vec![1]);
        let m = Labels::Multi {
            classes: 2,
            matrix: vec![true, false],
        };
        let m3 = Labels::Multi {
            classes: 3,
            matrix: vec![true, false, false],
        };
        assert!(matches!(
            Relevance::new(&s, &m),
            Err(MetricsError::LabelKind { .. })
        ));
        assert!(matches!(
            Relevance::new(&m, &m3),
            Err(MetricsError::ClassCount { query: 2, db: 3 })
        ));
    }
}
