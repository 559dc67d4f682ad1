//! The one P x K class-balanced batch sampler of triplet training (used by the training loop
//! and the frozen recipe), and sequential batches for evaluation.
//!
//! The P x K rules, per epoch (a pure function of `(seed, epoch)`, so a resumed run sees
//! exactly the batches of an uninterrupted one):
//! - samples are grouped by their first label; each class's samples are shuffled and cut into
//!   chunks of K;
//! - a short last chunk is topped up with other samples of its class, so a class with fewer
//!   than K samples repeats some; a class with a single sample has no positive and only
//!   provides negatives (it is kept);
//! - chunks are dealt into batches of P distinct classes, classes with the most chunks left
//!   first (random among equals); when fewer than P classes have chunks left, the last
//!   batches hold fewer classes (nothing is dropped: an epoch visits every sample about once);
//! - the batches are shuffled.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// The random generator of `epoch` in a run seeded with `seed`.
pub fn epoch_rng(seed: u64, epoch: usize) -> ChaCha8Rng {
    let mixed = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(epoch as u64 + 1)
        .rotate_left(17);
    ChaCha8Rng::seed_from_u64(mixed)
}

/// Batches of `classes_per_batch` classes x `per_class` samples (the seed: 10 x 8 = 80).
///
/// One epoch visits every sample about once: each class's samples are shuffled and cut
/// into chunks of `per_class`; a short last chunk is topped up with other samples of the
/// class (so a class with fewer than K samples repeats some of them, and a class with a
/// single sample has no positive and only provides negatives). Chunks are dealt into
/// batches of P distinct classes in random order; when fewer than P classes have chunks
/// left, the last batch holds fewer classes. Samples keyed by their first label.
pub fn pk_batches(
    labels: &[Vec<u32>],
    candidates: &[usize],
    classes_per_batch: usize,
    per_class: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<usize>> {
    let per_class = per_class.max(1);
    let mut chunks: BTreeMap<u32, Vec<Vec<usize>>> = BTreeMap::new();
    let mut by_class: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for &i in candidates {
        by_class
            .entry(labels[i].first().copied().unwrap_or(u32::MAX))
            .or_default()
            .push(i);
    }
    for (class, mut members) in by_class {
        members.shuffle(rng);
        let mut list: Vec<Vec<usize>> = members.chunks(per_class).map(<[usize]>::to_vec).collect();
        if let Some(last) = list.last_mut() {
            let mut k = 0;
            while last.len() < per_class && members.len() > 1 {
                let candidate = members[k % members.len()];
                if !last.contains(&candidate) || members.len() < per_class {
                    last.push(candidate);
                }
                k += 1;
            }
        }
        chunks.insert(class, list);
    }
    deal(chunks, classes_per_batch.max(1), rng)
}

/// Deals per-class chunks into batches of distinct classes.
fn deal(
    mut chunks: BTreeMap<u32, Vec<Vec<usize>>>,
    classes_per_batch: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<usize>> {
    let mut batches = Vec::new();
    loop {
        let mut open: Vec<u32> = chunks
            .iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(&c, _)| c)
            .collect();
        if open.is_empty() {
            break;
        }
        // Prefer classes with the most chunks left, random among equals.
        open.shuffle(rng);
        open.sort_by_key(|c| std::cmp::Reverse(chunks[c].len()));
        let batch: Vec<usize> = open
            .iter()
            .take(classes_per_batch)
            .flat_map(|c| chunks.get_mut(c).and_then(Vec::pop).unwrap_or_default())
            .collect();
        batches.push(batch);
    }
    batches.shuffle(rng);
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

    #[test]
    fn batches_are_p_by_k_and_cover_every_sample() {
        let labels: Vec<Vec<u32>> = (0..400).map(|i| vec![(i % 10) as u32]).collect();
        let all: Vec<usize> = (0..400).collect();
        let batches = pk_batches(&labels, &all, 5, 8, &mut epoch_rng(1, 0));
        assert_eq!(batches.len(), 10);
        let mut seen = vec![0; 400];
        for b in &batches {
            assert_eq!(b.len(), 40);
            let mut classes: Vec<u32> = b.iter().map(|&i| labels[i][0]).collect();
            classes.sort_unstable();
            classes.dedup();
            assert_eq!(classes.len(), 5);
            for &i in b {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&s| s == 1));
    }

    #[test]
    fn same_seed_and_epoch_same_batches() {
        let labels: Vec<Vec<u32>> = (0..90).map(|i| vec![(i % 3) as u32]).collect();
        let all: Vec<usize> = (0..90).collect();
        let a = pk_batches(&labels, &all, 2, 4, &mut epoch_rng(3, 5));
        let b = pk_batches(&labels, &all, 2, 4, &mut epoch_rng(3, 5));
        let c = pk_batches(&labels, &all, 2, 4, &mut epoch_rng(3, 6));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn small_classes_are_topped_up() {
        let labels = vec![
            vec![0],
            vec![0],
            vec![0],
            vec![1],
            vec![1],
            vec![1],
            vec![1],
        ];
        let all: Vec<usize> = (0..7).collect();
        let batches = pk_batches(&labels, &all, 2, 4, &mut epoch_rng(0, 0));
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].len(), 8);
    }

    #[test]
    fn sequential_covers_all() {
        assert_eq!(
            sequential_batches(5, 2),
            vec![vec![0, 1], vec![2, 3], vec![4]]
        );
    }
}
