//! The P x K class-balanced batch sampler of triplet training.

use rand::SeedableRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

use crate::error::{DataError, Result};

/// Draws batches of `p` classes x `k` images (the seed: 10 x 8 = 80), seeded per epoch.
///
/// Rule, per epoch: the images of each class (by first label) are shuffled and cut into groups of
/// `k`; a last, short group is filled up with images of the same class drawn at random (so a class
/// with fewer than `k` images appears with repeats). Classes with a single image are left out: they
/// cannot give a positive pair. The groups are shuffled and dealt into batches of `p` groups of
/// distinct classes; groups that cannot complete a batch are dropped. So each epoch sees almost
/// every image once, and every batch has exactly `p * k` entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PkSampler {
    /// Classes per batch.
    pub p: usize,
    /// Images per class in a batch.
    pub k: usize,
    /// Base seed; each epoch uses `seed` mixed with the epoch number.
    pub seed: u64,
}

impl PkSampler {
    /// The seed project's 10 x 8.
    pub fn new(p: usize, k: usize, seed: u64) -> Self {
        Self { p, k, seed }
    }

    /// The batches (sample indices) of epoch `epoch` for samples with these `labels`.
    pub fn epoch(&self, labels: &[Vec<u32>], epoch: u64) -> Result<Vec<Vec<usize>>> {
        if self.p == 0 || self.k == 0 {
            return Err(DataError::Invalid(
                "P x K sampler: P and K must be at least 1".into(),
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(mix(self.seed, epoch));
        let classes = group_by_class(labels);
        let usable = classes.iter().filter(|c| c.len() >= 2).count();
        if usable < self.p {
            return Err(DataError::Invalid(format!(
                "P x K sampler: {} classes per batch requested, only {usable} classes have two or more images",
                self.p
            )));
        }
        let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
        for (class, members) in classes.iter().enumerate().filter(|(_, m)| m.len() >= 2) {
            let mut members = members.clone();
            members.shuffle(&mut rng);
            for chunk in members.chunks(self.k) {
                let mut g = chunk.to_vec();
                while g.len() < self.k {
                    g.push(*members.choose(&mut rng).expect("non-empty class"));
                }
                groups.push((class, g));
            }
        }
        groups.shuffle(&mut rng);
        Ok(deal(groups, self.p))
    }
}

/// Sample indices of each class (by first label), classes in label order.
fn group_by_class(labels: &[Vec<u32>]) -> Vec<Vec<usize>> {
    let n = labels
        .iter()
        .filter_map(|l| l.first())
        .max()
        .map_or(0, |&m| m as usize + 1);
    let mut classes = vec![Vec::new(); n];
    for (i, l) in labels.iter().enumerate() {
        if let Some(&c) = l.first() {
            classes[c as usize].push(i);
        }
    }
    classes
}

/// Deals groups into batches of `p` groups with distinct classes, in order.
fn deal(groups: Vec<(usize, Vec<usize>)>, p: usize) -> Vec<Vec<usize>> {
    let mut batches = Vec::new();
    let mut open: Vec<Vec<(usize, Vec<usize>)>> = Vec::new();
    for g in groups {
        let slot = open.iter().position(|b| b.iter().all(|(c, _)| *c != g.0));
        match slot {
            Some(i) => open[i].push(g),
            None => open.push(vec![g]),
        }
        if let Some(i) = open.iter().position(|b| b.len() == p) {
            batches.push(open.remove(i).into_iter().flat_map(|(_, g)| g).collect());
        }
    }
    batches
}

/// Consecutive batches of `batch` indices over `0..n` (evaluation and encoding; the last may be short).
pub fn sequential_batches(n: usize, batch: usize) -> Vec<Vec<usize>> {
    (0..n)
        .collect::<Vec<_>>()
        .chunks(batch.max(1))
        .map(<[usize]>::to_vec)
        .collect()
}

/// Mixes a seed with a number (SplitMix64 finaliser): per-epoch and per-sample seeds.
pub fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed
        ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(counts: &[usize]) -> Vec<Vec<u32>> {
        counts
            .iter()
            .enumerate()
            .flat_map(|(c, &n)| std::iter::repeat_n(vec![c as u32], n))
            .collect()
    }

    #[test]
    fn batches_are_p_classes_of_k() {
        let l = labels(&[20, 17, 9, 30, 8, 12]);
        let s = PkSampler::new(3, 4, 7);
        let batches = s.epoch(&l, 0).unwrap();
        // 26 groups of 4 -> at most 8 batches of 3 groups.
        assert!(batches.len() >= 7, "{} batches", batches.len());
        for b in &batches {
            assert_eq!(b.len(), 12);
            let classes: Vec<u32> = b.chunks(4).map(|g| l[g[0]][0]).collect();
            for g in b.chunks(4) {
                assert!(
                    g.iter().all(|&i| l[i][0] == l[g[0]][0]),
                    "group mixes classes"
                );
            }
            let mut d = classes.clone();
            d.sort();
            d.dedup();
            assert_eq!(d.len(), 3, "classes repeat in a batch: {classes:?}");
        }
    }

    #[test]
    fn small_classes_repeat_and_singletons_are_left_out() {
        let l = labels(&[3, 1, 10, 10]);
        let batches = PkSampler::new(2, 4, 1).epoch(&l, 0).unwrap();
        assert!(
            batches.iter().flatten().all(|&i| l[i][0] != 1),
            "singleton class used"
        );
        assert!(
            batches.iter().flatten().any(|&i| l[i][0] == 0),
            "small class never used"
        );
    }

    #[test]
    fn seeded_and_epochs_differ() {
        let l = labels(&[10; 8]);
        let s = PkSampler::new(4, 2, 3);
        assert_eq!(s.epoch(&l, 1).unwrap(), s.epoch(&l, 1).unwrap());
        assert_ne!(s.epoch(&l, 1).unwrap(), s.epoch(&l, 2).unwrap());
    }

    #[test]
    fn too_few_classes_is_an_error() {
        let err = PkSampler::new(5, 2, 0)
            .epoch(&labels(&[4, 4, 1]), 0)
            .unwrap_err();
        assert!(err.to_string().contains("only 2 classes"), "{err}");
    }

    #[test]
    fn sequential_covers_all() {
        assert_eq!(
            sequential_batches(5, 2),
            vec![vec![0, 1], vec![2, 3], vec![4]]
        );
    }
}
