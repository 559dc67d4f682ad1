//! Losses for learning hash codes: the seed's triplet ranking loss (all valid triplets),
//! batch-hard and semi-hard mining, multi-label positives/negatives, and a quantization term.

mod distance;
mod labels;
mod margin;
mod mining;
mod quantization;
mod triplet;

pub use distance::pairwise_squared_distances;
pub use labels::LabelSets;
pub use margin::default_margin;
pub use mining::Mining;
pub use quantization::quantization_loss;
pub use triplet::triplet_loss;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// The complete training objective: triplet loss plus an optional quantization term.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HashLoss {
    /// Triplet margin on squared distances (see [`default_margin`]).
    pub margin: f32,
    /// Triplet selection.
    pub mining: Mining,
    /// Weight of [`quantization_loss`]; 0 disables it.
    pub quantization_weight: f32,
}

impl HashLoss {
    /// The loss for `bits`-bit codes with the default margin, all triplets, no quantization.
    pub fn for_bits(bits: usize) -> Self {
        Self {
            margin: default_margin(bits),
            mining: Mining::All,
            quantization_weight: 0.0,
        }
    }

    /// Loss of a batch of tanh outputs `h` (`n x bits`) with their labels.
    ///
    /// Errors when the number of label sets differs from the number of rows.
    pub fn forward(&self, h: Tensor<2>, labels: &LabelSets) -> Result<Tensor<1>, TrainError> {
        let [n, _] = h.dims();
        if n != labels.len() {
            return Err(TrainError::BatchMismatch {
                rows: n,
                labels: labels.len(),
            });
        }
        let loss = triplet_loss(h.clone(), labels, self.margin, self.mining);
        if self.quantization_weight == 0.0 {
            return Ok(loss);
        }
        Ok(loss + quantization_loss(h).mul_scalar(self.quantization_weight))
    }
}
