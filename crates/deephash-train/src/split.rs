//! The validation split carved from the training split, per class and seeded.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Indices of the training split divided into `(train, validation)`.
///
/// Every class (the first label of each sample) gives `round(fraction * count)` of its
/// samples, at least one when it has two or more, to the validation set, chosen by a
/// shuffle seeded with `seed`. Both lists are sorted. `fraction = 0` gives an empty
/// validation set.
pub fn validation_split(labels: &[Vec<u32>], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut by_class: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, set) in labels.iter().enumerate() {
        by_class
            .entry(set.first().copied().unwrap_or(u32::MAX))
            .or_default()
            .push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5ee_d0f7_a11d);
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (_, mut members) in by_class {
        members.shuffle(&mut rng);
        let mut take = (fraction * members.len() as f64).round() as usize;
        if fraction > 0.0 && take == 0 && members.len() >= 2 {
            take = 1;
        }
        let take = take.min(members.len().saturating_sub(1));
        val.extend_from_slice(&members[..take]);
        train.extend_from_slice(&members[take..]);
    }
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(per_class: usize, classes: u32) -> Vec<Vec<u32>> {
        (0..classes)
            .flat_map(|c| std::iter::repeat_n(vec![c], per_class))
            .collect()
    }

    #[test]
    fn ten_percent_of_each_class_disjoint_and_seeded() {
        let l = labels(50, 4);
        let (train, val) = validation_split(&l, 0.1, 7);
        assert_eq!(val.len(), 20);
        assert_eq!(train.len() + val.len(), 200);
        for c in 0..4 {
            assert_eq!(val.iter().filter(|&&i| l[i][0] == c).count(), 5);
        }
        assert!(val.iter().all(|i| !train.contains(i)));
        assert_eq!(validation_split(&l, 0.1, 7), (train.clone(), val.clone()));
        assert_ne!(validation_split(&l, 0.1, 8).1, val);
    }

    #[test]
    fn zero_fraction_keeps_everything_for_training() {
        let (train, val) = validation_split(&labels(3, 2), 0.0, 1);
        assert_eq!((train.len(), val.len()), (6, 0));
    }
}
