//! Label sets of samples (`Vec<u32>` per image) as the metrics' [`Labels`].

use deephash_codes::Labels;

/// Label sets as [`Labels`]: one class each when every item has exactly one, else a 0/1
/// matrix over all classes seen (multi-label).
pub fn labels_from_sets(sets: &[Vec<u32>]) -> Labels {
    if sets.iter().all(|s| s.len() == 1) {
        return Labels::Single(sets.iter().map(|s| i64::from(s[0])).collect());
    }
    let classes = sets.iter().flatten().max().map_or(0, |&m| m as usize + 1);
    let mut matrix = vec![false; sets.len() * classes];
    for (i, set) in sets.iter().enumerate() {
        set.iter()
            .for_each(|&c| matrix[i * classes + c as usize] = true);
    }
    Labels::Multi { classes, matrix }
}

/// Query and database labels for the metrics: one class each when every item has exactly
/// one, else 0/1 matrices over the same classes (multi-label).
pub fn labels_pair(query: &[Vec<u32>], db: &[Vec<u32>]) -> (Labels, Labels) {
    let all: Vec<Vec<u32>> = query.iter().chain(db).cloned().collect();
    match labels_from_sets(&all) {
        Labels::Single(ids) => {
            let (q, d) = ids.split_at(query.len());
            (Labels::Single(q.to_vec()), Labels::Single(d.to_vec()))
        }
        Labels::Multi { classes, matrix } => {
            let (q, d) = matrix.split_at(query.len() * classes);
            let multi = |m: &[bool]| Labels::Multi {
                classes,
                matrix: m.to_vec(),
            };
            (multi(q), multi(d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_labels() {
        assert_eq!(
            labels_from_sets(&[vec![3], vec![1]]),
            Labels::Single(vec![3, 1])
        );
        let multi = labels_from_sets(&[vec![0, 2], vec![1]]);
        assert_eq!(
            multi,
            Labels::Multi {
                classes: 3,
                matrix: vec![true, false, true, false, true, false]
            }
        );
    }

    #[test]
    fn label_pairs_share_the_class_space() {
        let (q, d) = labels_pair(&[vec![1]], &[vec![0], vec![1]]);
        assert_eq!(q, Labels::Single(vec![1]));
        assert_eq!(d, Labels::Single(vec![0, 1]));
        let (q, d) = labels_pair(&[vec![0, 2]], &[vec![1]]);
        assert_eq!(
            q,
            Labels::Multi {
                classes: 3,
                matrix: vec![true, false, true]
            }
        );
        assert_eq!(
            d,
            Labels::Multi {
                classes: 3,
                matrix: vec![false, true, false]
            }
        );
    }
}
