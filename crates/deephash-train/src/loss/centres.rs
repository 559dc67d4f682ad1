//! Hash centres: one `±1` target code per class, shared by the hash-centre losses
//! ([`super::csq`], [`super::orthohash`]).
//!
//! Construction as in CSQ (Yuan et al., CVPR 2020, section 3.2): when `bits` is a power of two
//! and there are at most `2 * bits` classes, class `k` gets row `k` of `[H; -H]` with `H` the
//! Sylvester Hadamard matrix of order `bits` (`H[i][j] = (-1)^popcount(i & j)`, the order of
//! `scipy.linalg.hadamard`): any two centres are then `bits / 2` apart (or `bits` for a row and
//! its negation). Otherwise every centre is drawn bit by bit from Bernoulli(0.5) with a seeded
//! generator (the paper's fallback). The centres are a pure function of
//! `(classes, bits, seed)` and are also saved in the run (`RUN/centres.json`), so a resumed run
//! uses exactly the same ones.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// How a set of centres was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CentreKind {
    /// Rows of `[H; -H]`, `H` the Sylvester Hadamard matrix.
    Hadamard,
    /// Independent Bernoulli(0.5) bits.
    Random,
}

/// One `±1` centre per class, plus the `±1` tie-break code of multi-label centres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashCentres {
    /// Code length.
    pub bits: usize,
    /// Number of classes (labels `0..classes`).
    pub classes: usize,
    /// The seed the random parts were drawn with.
    pub seed: u64,
    /// How the centres were made.
    pub kind: CentreKind,
    /// Row-major `classes x bits` values, each `±1`.
    pub values: Vec<f32>,
    /// The bits a multi-label centre takes where its labels' centres cancel (CSQ's random
    /// centre for ties).
    pub tie_break: Vec<f32>,
}

impl HashCentres {
    /// The centres of `classes` classes at `bits` bits for `seed` (see the module docs).
    pub fn generate(classes: usize, bits: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xc5e7_7e55_0000_0001);
        let hadamard = bits.is_power_of_two() && classes <= 2 * bits;
        let values = if hadamard {
            (0..classes * bits)
                .map(|k| hadamard_entry(k / bits, k % bits, bits))
                .collect()
        } else {
            random_signs(&mut rng, classes * bits)
        };
        let tie_break = random_signs(&mut rng, bits);
        let kind = if hadamard {
            CentreKind::Hadamard
        } else {
            CentreKind::Random
        };
        Self {
            bits,
            classes,
            seed,
            kind,
            values,
            tie_break,
        }
    }

    /// The centre of class `k`.
    pub fn centre(&self, k: usize) -> &[f32] {
        &self.values[k * self.bits..(k + 1) * self.bits]
    }

    /// The target code of a sample with labels `set`: its class's centre for one label; for
    /// several, the sign of the sum (the mean) of their centres, with `tie_break` where the sum
    /// is zero (CSQ's multi-label rule). A sample without labels gets `tie_break`.
    pub fn target(&self, set: &[u32]) -> Vec<f32> {
        let mut sum = vec![0.0f32; self.bits];
        for &label in set {
            for (s, c) in sum.iter_mut().zip(self.centre(label as usize)) {
                *s += c;
            }
        }
        sum.iter()
            .zip(&self.tie_break)
            .map(|(&s, &t)| {
                if s > 0.0 {
                    1.0
                } else if s < 0.0 {
                    -1.0
                } else {
                    t
                }
            })
            .collect()
    }

    /// Target codes of a batch as an `n x bits` tensor on `device`.
    pub fn targets(&self, sets: &[Vec<u32>], device: &Device) -> Tensor<2> {
        let values: Vec<f32> = sets.iter().flat_map(|s| self.target(s)).collect();
        Tensor::from_data(TensorData::new(values, [sets.len(), self.bits]), device)
    }

    /// All centres as a `classes x bits` tensor on `device`.
    pub fn matrix(&self, device: &Device) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(self.values.clone(), [self.classes, self.bits]),
            device,
        )
    }

    /// Checks that `labels` are all below the number of classes.
    pub fn check_labels(&self, sets: &[Vec<u32>]) -> Result<(), TrainError> {
        match sets.iter().flatten().find(|&&l| l as usize >= self.classes) {
            Some(l) => Err(TrainError::Config(format!(
                "label {l} has no hash centre ({} classes)",
                self.classes
            ))),
            None => Ok(()),
        }
    }

    /// The centres saved at `path` when that file exists (checked against `classes`, `bits`,
    /// `seed`), otherwise freshly generated and written there.
    pub fn load_or_create(
        path: &Path,
        classes: usize,
        bits: usize,
        seed: u64,
    ) -> Result<Self, TrainError> {
        if path.is_file() {
            let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
            let saved: Self = serde_json::from_str(&text).map_err(|e| TrainError::Format {
                path: path.to_path_buf(),
                message: format!("not a hash-centre file: {e}"),
            })?;
            saved.check_shape(path, classes, bits, seed)?;
            return Ok(saved);
        }
        let centres = Self::generate(classes, bits, seed);
        let text = serde_json::to_vec(&centres).expect("centres serialise");
        crate::atomic::write(path, &text)?;
        Ok(centres)
    }

    fn check_shape(
        &self,
        path: &Path,
        classes: usize,
        bits: usize,
        seed: u64,
    ) -> Result<(), TrainError> {
        let consistent = self.values.len() == self.classes * self.bits
            && self.tie_break.len() == self.bits
            && self
                .values
                .iter()
                .chain(&self.tie_break)
                .all(|v| v.abs() == 1.0);
        if !consistent || (self.classes, self.bits, self.seed) != (classes, bits, seed) {
            return Err(TrainError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "hash centres for {} classes x {} bits (seed {}) do not fit this run's {classes} x {bits} (seed {seed})",
                    self.classes, self.bits, self.seed
                ),
            });
        }
        Ok(())
    }
}

/// Entry `(i, j)` of `[H; -H]` with `H` the Sylvester Hadamard matrix of order `n`.
fn hadamard_entry(i: usize, j: usize, n: usize) -> f32 {
    let sign = if i >= n { -1.0 } else { 1.0 };
    let parity = ((i % n) & j).count_ones() % 2;
    if parity == 0 { sign } else { -sign }
}

/// `n` independent `±1` values.
fn random_signs(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| if rng.random_bool(0.5) { 1.0 } else { -1.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hamming(a: &[f32], b: &[f32]) -> usize {
        a.iter().zip(b).filter(|(x, y)| x != y).count()
    }

    #[test]
    fn hadamard_centres_are_half_the_bits_apart() {
        let c = HashCentres::generate(20, 16, 3);
        assert_eq!(c.kind, CentreKind::Hadamard);
        for i in 0..20 {
            for j in 0..i {
                let d = hamming(c.centre(i), c.centre(j));
                assert!(d == 8 || (d == 16 && i == j + 16), "{i} {j}: {d}");
            }
        }
        assert!(c.centre(0).iter().all(|&v| v == 1.0));
    }

    #[test]
    fn random_centres_when_hadamard_cannot_serve() {
        let many = HashCentres::generate(40, 16, 1);
        assert_eq!(many.kind, CentreKind::Random);
        let odd = HashCentres::generate(4, 12, 1);
        assert_eq!(odd.kind, CentreKind::Random);
        assert!(odd.values.iter().all(|v| v.abs() == 1.0));
        assert_eq!(many, HashCentres::generate(40, 16, 1));
        assert_ne!(many.values, HashCentres::generate(40, 16, 2).values);
        let plus = many.values.iter().filter(|&&v| v > 0.0).count();
        assert!((200..440).contains(&plus), "{plus} of 640 bits set");
    }

    #[test]
    fn multi_label_target_is_the_binarised_mean_with_ties_broken() {
        let c = HashCentres::generate(4, 8, 0);
        assert_eq!(c.target(&[2]), c.centre(2));
        let t = c.target(&[1, 2]);
        for (b, &got) in t.iter().enumerate() {
            let s = c.centre(1)[b] + c.centre(2)[b];
            let want = if s == 0.0 { c.tie_break[b] } else { s.signum() };
            assert_eq!(got, want);
        }
        assert_eq!(c.target(&[]), c.tie_break);
        assert!(c.check_labels(&[vec![3]]).is_ok());
        assert!(c.check_labels(&[vec![4]]).is_err());
    }

    #[test]
    fn saved_centres_are_reused_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("centres.json");
        let a = HashCentres::load_or_create(&path, 30, 12, 5).unwrap();
        let mut edited = a.clone();
        edited.values[0] = -edited.values[0];
        std::fs::write(&path, serde_json::to_vec(&edited).unwrap()).unwrap();
        let b = HashCentres::load_or_create(&path, 30, 12, 5).unwrap();
        assert_eq!(b, edited, "a resumed run uses the saved centres");
        let err = HashCentres::load_or_create(&path, 31, 12, 5).unwrap_err();
        assert!(err.to_string().contains("centres.json"), "{err}");
    }
}
