//! Losses for learning hash codes: the seed's triplet ranking loss (all valid triplets),
//! batch-hard and semi-hard mining, multi-label positives/negatives, a quantization term, and
//! the hash-centre losses CSQ and OrthoHash with their class centres.

mod centres;
mod csq;
mod distance;
mod kind;
mod labels;
mod margin;
mod mining;
mod orthohash;
mod quantization;
mod triplet;

pub use centres::{CentreKind, HashCentres};
pub use csq::{CSQ_QUANTIZATION_WEIGHT, csq_loss};
pub use distance::pairwise_squared_distances;
pub use kind::LossKind;
pub use labels::LabelSets;
pub use margin::default_margin;
pub use mining::Mining;
pub use orthohash::{ORTHOHASH_MARGIN, ORTHOHASH_SCALE, orthohash_loss};
pub use quantization::quantization_loss;
pub use triplet::triplet_loss;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// The complete training objective: the loss named by `kind` with its settings, plus an
/// optional quantization term.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HashLoss {
    /// Which loss (absent in run files written before it existed: the triplet loss).
    #[serde(default)]
    pub kind: LossKind,
    /// Triplet margin on squared distances (see [`default_margin`]).
    pub margin: f32,
    /// Triplet selection.
    pub mining: Mining,
    /// Weight of [`quantization_loss`]; 0 disables it.
    pub quantization_weight: f32,
    /// OrthoHash's logit scale `s`.
    #[serde(default = "default_scale")]
    pub scale: f32,
    /// OrthoHash's cosine margin `m`.
    #[serde(default = "default_cos_margin")]
    pub cos_margin: f32,
}

fn default_scale() -> f32 {
    ORTHOHASH_SCALE
}

fn default_cos_margin() -> f32 {
    ORTHOHASH_MARGIN
}

impl HashLoss {
    /// The triplet loss for `bits`-bit codes with the default margin, all triplets, no
    /// quantization.
    pub fn for_bits(bits: usize) -> Self {
        Self::triplet(default_margin(bits), Mining::All, 0.0)
    }

    /// The triplet loss with these settings (OrthoHash's at their defaults, unused).
    pub fn triplet(margin: f32, mining: Mining, quantization_weight: f32) -> Self {
        Self {
            kind: LossKind::Triplet,
            margin,
            mining,
            quantization_weight,
            scale: ORTHOHASH_SCALE,
            cos_margin: ORTHOHASH_MARGIN,
        }
    }

    /// Loss of a batch of tanh outputs `h` (`n x bits`) with their labels (the triplet loss;
    /// the hash-centre losses need [`HashLoss::forward_with`]).
    ///
    /// Errors when the number of label sets differs from the number of rows.
    pub fn forward(&self, h: Tensor<2>, labels: &LabelSets) -> Result<Tensor<1>, TrainError> {
        self.forward_with(h, labels, None)
    }

    /// Loss of a batch with the class `centres` the hash-centre losses need.
    ///
    /// Errors when the number of label sets differs from the number of rows, when a
    /// hash-centre loss has no centres or centres of another code length, or when a label has
    /// no centre.
    pub fn forward_with(
        &self,
        h: Tensor<2>,
        labels: &LabelSets,
        centres: Option<&HashCentres>,
    ) -> Result<Tensor<1>, TrainError> {
        let [n, bits] = h.dims();
        if n != labels.len() {
            return Err(TrainError::BatchMismatch {
                rows: n,
                labels: labels.len(),
            });
        }
        let q = self.quantization_weight;
        match self.kind {
            LossKind::Triplet => {
                let loss = triplet_loss(h.clone(), labels, self.margin, self.mining);
                if q == 0.0 {
                    return Ok(loss);
                }
                Ok(loss + quantization_loss(h).mul_scalar(q))
            }
            LossKind::Csq => Ok(csq_loss(h, labels, self.centres(centres, bits, labels)?, q)),
            LossKind::Orthohash => {
                let centres = self.centres(centres, bits, labels)?;
                Ok(orthohash_loss(
                    h,
                    labels,
                    centres,
                    self.scale,
                    self.cos_margin,
                    q,
                ))
            }
        }
    }

    /// The centres, checked against the code length and the labels.
    fn centres<'c>(
        &self,
        centres: Option<&'c HashCentres>,
        bits: usize,
        labels: &LabelSets,
    ) -> Result<&'c HashCentres, TrainError> {
        let centres = centres.ok_or_else(|| {
            TrainError::Config(format!("the {} loss needs hash centres", self.kind))
        })?;
        if centres.bits != bits {
            return Err(TrainError::Config(format!(
                "hash centres of {} bits for {bits}-bit codes",
                centres.bits
            )));
        }
        centres.check_labels(labels.sets())?;
        Ok(centres)
    }
}
