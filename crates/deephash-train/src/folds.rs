//! Stratified folds for cross-validation: the rows of a small data set divided into `k` parts
//! with every class (the first label) spread as evenly as it can be, seeded.
//!
//! The frozen recipe on small data chooses its loss by the mean mAP over these folds rather
//! than on one validation image a class ([`crate::frozen_select`]).

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Folds of a cross-validated choice of loss on small data.
pub const FOLDS: usize = 5;

/// `rows` divided into `k` folds (fewer when there are fewer rows), each sorted.
///
/// Each class's rows are shuffled (seeded by `seed`) and dealt to the folds in turn, the
/// dealing continuing from fold to fold across classes, so every fold holds about `1 / k` of
/// every class and the fold sizes differ by at most one.
pub fn stratified_folds(
    labels: &[Vec<u32>],
    rows: &[usize],
    k: usize,
    seed: u64,
) -> Vec<Vec<usize>> {
    let k = k.min(rows.len()).max(1);
    let mut by_class: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for &i in rows {
        by_class
            .entry(labels[i].first().copied().unwrap_or(u32::MAX))
            .or_default()
            .push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xf01d_5eed);
    let mut folds = vec![Vec::new(); k];
    let mut next = 0;
    for (_, mut members) in by_class {
        members.sort_unstable();
        members.shuffle(&mut rng);
        for i in members {
            folds[next].push(i);
            next = (next + 1) % k;
        }
    }
    for fold in &mut folds {
        fold.sort_unstable();
    }
    folds
}

/// Every row of `rows` not in `fold` (both sorted).
pub fn rest(rows: &[usize], fold: &[usize]) -> Vec<usize> {
    rows.iter()
        .copied()
        .filter(|i| fold.binary_search(i).is_err())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(classes: u32, per_class: usize) -> Vec<Vec<u32>> {
        (0..classes as usize * per_class)
            .map(|i| vec![i as u32 % classes])
            .collect()
    }

    #[test]
    fn folds_partition_the_rows_with_every_class_spread_evenly() {
        let l = labels(10, 12);
        let rows: Vec<usize> = (0..l.len()).collect();
        let folds = stratified_folds(&l, &rows, FOLDS, 3);
        assert_eq!(folds.len(), FOLDS);
        let mut all: Vec<usize> = folds.concat();
        all.sort_unstable();
        assert_eq!(all, rows, "a partition of the rows");
        for fold in &folds {
            assert_eq!(fold.len(), 24, "120 rows in 5 folds");
            for class in 0..10 {
                let n = fold.iter().filter(|&&i| l[i][0] == class).count();
                assert!((2..=3).contains(&n), "class {class}: {n} rows in a fold");
            }
        }
        assert_eq!(stratified_folds(&l, &rows, FOLDS, 3), folds, "seeded");
        assert_ne!(
            stratified_folds(&l, &rows, FOLDS, 4),
            folds,
            "the seed matters"
        );
    }

    #[test]
    fn rest_is_everything_outside_the_fold_and_tiny_sets_get_fewer_folds() {
        let l = labels(2, 2);
        let rows = vec![0, 1, 2, 3];
        let folds = stratified_folds(&l, &rows, 5, 0);
        assert_eq!(folds.len(), 4, "no empty fold");
        assert!(folds.iter().all(|f| f.len() == 1));
        let held = &folds[0];
        let others = rest(&rows, held);
        assert_eq!(others.len(), 3);
        assert!(others.iter().all(|i| !held.contains(i)));
    }
}
