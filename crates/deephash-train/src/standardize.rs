//! Per-dimension standardisation of cached backbone features (frozen mode): the head trains
//! on `(x - mean) / std`, and the transform is then folded into the head's linear layer
//! ([`deephash_model::HashHead::fold_input_affine`]) so the saved network takes raw features
//! at encode time. The statistics are also written to `RUN/standardize.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::features::FeatureTable;

/// Standard deviations below this are treated as 1 (constant features stay as they are, only
/// centred).
const MIN_STD: f32 = 1.0e-6;

/// Mean and standard deviation of every feature dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureStats {
    /// Per-dimension mean.
    pub mean: Vec<f32>,
    /// Per-dimension standard deviation (population; 1 where the feature is constant).
    pub std: Vec<f32>,
}

impl FeatureStats {
    /// The statistics of `rows` of `table` (computed in f64).
    pub fn of_rows(table: &FeatureTable, rows: &[usize]) -> Self {
        let dim = table.dim;
        let n = rows.len().max(1) as f64;
        let mut sum = vec![0.0f64; dim];
        let mut sq = vec![0.0f64; dim];
        for &i in rows {
            for (j, &v) in table.row(i).iter().enumerate() {
                sum[j] += f64::from(v);
                sq[j] += f64::from(v) * f64::from(v);
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(s, m)| {
                let sd = (s / n - m * m).max(0.0).sqrt() as f32;
                if sd < MIN_STD { 1.0 } else { sd }
            })
            .collect();
        Self {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std,
        }
    }

    /// `(scale, shift)` with `x * scale + shift = (x - mean) / std`.
    pub fn scale_shift(&self) -> (Vec<f32>, Vec<f32>) {
        let scale: Vec<f32> = self.std.iter().map(|s| 1.0 / s).collect();
        let shift = self.mean.iter().zip(&scale).map(|(m, s)| -m * s).collect();
        (scale, shift)
    }

    /// `table` standardised.
    pub fn apply(&self, table: &FeatureTable) -> FeatureTable {
        let (scale, shift) = self.scale_shift();
        let dim = table.dim.max(1);
        let values = table
            .values
            .iter()
            .enumerate()
            .map(|(k, &v)| v * scale[k % dim] + shift[k % dim])
            .collect();
        FeatureTable {
            dim: table.dim,
            values,
        }
    }

    /// Writes the statistics as JSON to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), TrainError> {
        let text = serde_json::to_vec(self).expect("statistics serialise");
        crate::atomic::write(path, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardised_rows_have_zero_mean_and_unit_deviation() {
        let table = FeatureTable {
            dim: 3,
            values: vec![1.0, 5.0, 2.0, 3.0, 5.0, 4.0, 5.0, 5.0, 9.0, 100.0, 0.0, 0.0],
        };
        let stats = FeatureStats::of_rows(&table, &[0, 1, 2]);
        assert_eq!(stats.mean, vec![3.0, 5.0, 5.0]);
        assert_eq!(stats.std[1], 1.0, "a constant feature keeps its scale");
        let out = stats.apply(&table);
        for j in 0..3 {
            let col: Vec<f32> = (0..3).map(|i| out.values[i * 3 + j]).collect();
            let mean = col.iter().sum::<f32>() / 3.0;
            let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / 3.0;
            assert!(mean.abs() < 1e-6, "{j}: {mean}");
            assert!(j == 1 || (var - 1.0).abs() < 1e-5, "{j}: {var}");
        }
        assert!((out.values[9] - (100.0 - 3.0) / stats.std[0]).abs() < 1e-4);
    }
}
