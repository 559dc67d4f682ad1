//! Central Similarity Quantization (Yuan et al., CVPR 2020): every code is pulled towards its
//! class's hash centre with a binary cross entropy, plus a quantization term.

use burn::tensor::Tensor;

use super::centres::HashCentres;
use super::labels::LabelSets;
use super::quantization::quantization_loss;

/// Smallest probability taken to the log: keeps `log` finite where a tanh output saturates
/// at exactly `-target` (PyTorch's `BCELoss` clamps the log at -100 instead; the two agree
/// everywhere else).
const MIN_PROBABILITY: f32 = 1.0e-12;

/// Default weight of the quantization term (DeepHash-pytorch's CSQ `lambda`, 1e-4).
pub const CSQ_QUANTIZATION_WEIGHT: f32 = 1.0e-4;

/// CSQ loss of tanh outputs `h` (`n x bits`) against the centres of their labels.
///
/// `BCE((h + 1) / 2, (c + 1) / 2)` averaged over every element (for a `±1` target `c` that is
/// `-log((1 + c * h) / 2)`), plus `quantization_weight * mean((|h| - 1)^2)`. The target of a
/// multi-label sample is the binarised mean of its labels' centres
/// ([`HashCentres::target`]).
pub fn csq_loss(
    h: Tensor<2>,
    labels: &LabelSets,
    centres: &HashCentres,
    quantization_weight: f32,
) -> Tensor<1> {
    // The arithmetic of `BCELoss(0.5 * (h + 1), 0.5 * (c + 1))`, term by term, so that
    // saturated outputs round as in PyTorch.
    let t = centres
        .targets(labels.sets(), &h.device())
        .add_scalar(1.0)
        .mul_scalar(0.5);
    let p = h.clone().add_scalar(1.0).mul_scalar(0.5);
    let q = p.clone().neg().add_scalar(1.0);
    let log_p = p.clamp_min(MIN_PROBABILITY).log();
    let log_q = q.clamp_min(MIN_PROBABILITY).log();
    let centre = (t.clone() * log_p + t.neg().add_scalar(1.0) * log_q)
        .mean()
        .neg();
    if quantization_weight == 0.0 {
        return centre;
    }
    centre + quantization_loss(h).mul_scalar(quantization_weight)
}
