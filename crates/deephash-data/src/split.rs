//! Seeded, class-stratified train/test splitting of one pool of samples.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::dataset::Sample;
use crate::error::{DataError, Result};

/// Splits `samples` into (train, test): within each class (by first label) the samples are shuffled
/// with a ChaCha8 generator seeded by `seed`, and `round(n * fraction)` of them go to the test split,
/// at least one when the class has two or more samples. Both splits keep the input order.
pub fn stratified_split(
    samples: Vec<Sample>,
    fraction: f64,
    seed: u64,
) -> Result<(Vec<Sample>, Vec<Sample>)> {
    if !(0.0..1.0).contains(&fraction) {
        return Err(DataError::Invalid(format!(
            "test fraction {fraction} must be in [0, 1)"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let max_label = samples
        .iter()
        .filter_map(|s| s.labels.first())
        .max()
        .copied()
        .unwrap_or(0);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); max_label as usize + 1];
    for (i, s) in samples.iter().enumerate() {
        by_class[s.labels.first().copied().unwrap_or(0) as usize].push(i);
    }
    let mut is_test = vec![false; samples.len()];
    for members in &mut by_class {
        members.shuffle(&mut rng);
        let n = members.len();
        let mut k = (n as f64 * fraction).round() as usize;
        if fraction > 0.0 && n >= 2 {
            k = k.clamp(1, n - 1);
        }
        for &i in &members[..k.min(n)] {
            is_test[i] = true;
        }
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (s, t) in samples.into_iter().zip(is_test) {
        if t { test.push(s) } else { train.push(s) }
    }
    Ok((train, test))
}
