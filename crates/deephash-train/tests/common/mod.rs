//! Helpers shared by the integration tests: synthetic data and a reference mAP.

#![allow(dead_code)]

use deephash_train::Embeddings;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// mAP@all of sign codes of `q` against `db` (Hamming ranking, ties by database index).
pub fn sign_map(q: &Embeddings, db: &Embeddings) -> Result<f64, String> {
    let code =
        |e: &Embeddings, i: usize| -> Vec<bool> { e.row(i).iter().map(|&v| v > 0.0).collect() };
    let db_codes: Vec<Vec<bool>> = (0..db.rows()).map(|i| code(db, i)).collect();
    let mut total = 0.0;
    for i in 0..q.rows() {
        let qc = code(q, i);
        let mut order: Vec<(usize, usize)> = db_codes
            .iter()
            .enumerate()
            .map(|(j, c)| (c.iter().zip(&qc).filter(|(a, b)| a != b).count(), j))
            .collect();
        order.sort_unstable();
        let (mut hits, mut ap) = (0.0, 0.0);
        for (rank, &(_, j)) in order.iter().enumerate() {
            if db.labels[j].iter().any(|l| q.labels[i].contains(l)) {
                hits += 1.0;
                ap += hits / (rank as f64 + 1.0);
            }
        }
        total += if hits > 0.0 { ap / hits } else { 0.0 };
    }
    Ok(total / q.rows().max(1) as f64)
}

/// `classes x per_class` feature vectors of width `dim`: a random centre per class plus
/// Gaussian-ish noise of scale `noise`.
pub fn clustered_features(
    classes: usize,
    per_class: usize,
    dim: usize,
    noise: f32,
    seed: u64,
) -> (Vec<f32>, Vec<Vec<u32>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<Vec<f32>> = (0..classes)
        .map(|_| (0..dim).map(|_| rng.random_range(-1.0f32..1.0)).collect())
        .collect();
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for k in 0..classes * per_class {
        let c = k % classes;
        for &centre in &centres[c][..dim] {
            let n: f32 = (0..3).map(|_| rng.random_range(-1.0f32..1.0)).sum::<f32>() / 3.0;
            values.push(centre + noise * n);
        }
        labels.push(vec![c as u32]);
    }
    (values, labels)
}
