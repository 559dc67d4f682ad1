//! OrthoHash (Hoe et al., NeurIPS 2021): the cosine similarity of a code to every class's
//! orthogonal `±1` code, scaled, with an additive margin on the true classes, into a
//! softmax cross entropy.

use burn::tensor::Tensor;
use burn::tensor::TensorData;
use burn::tensor::activation::log_softmax;

use super::centres::HashCentres;
use super::labels::LabelSets;
use super::quantization::quantization_loss;

/// The paper's scale `s` for single-label data.
pub const ORTHOHASH_SCALE: f32 = 8.0;
/// The paper's cosine margin `m` for single-label data.
pub const ORTHOHASH_MARGIN: f32 = 0.2;

/// Norms below this are treated as this (`torch.nn.functional.normalize`'s `eps`).
const MIN_NORM: f32 = 1.0e-12;

/// OrthoHash loss of codes `h` (`n x bits`; here the head's tanh outputs).
///
/// `logits = s * (cos(h_i, c_k) - m * y_ik)` with `y_i` the one-hot (multi-hot) label vector;
/// the loss is `-sum_k (y_ik / |y_i|) * log_softmax(logits_i)_k`, averaged over the batch:
/// the cross entropy for one label per sample, the reference implementation's
/// label-smoothing form for several. Samples without labels contribute zero. Plus
/// `quantization_weight * mean((|h| - 1)^2)` (0 in the paper's default).
pub fn orthohash_loss(
    h: Tensor<2>,
    labels: &LabelSets,
    centres: &HashCentres,
    scale: f32,
    margin: f32,
    quantization_weight: f32,
) -> Tensor<1> {
    let device = h.device();
    let [n, _] = h.dims();
    let codes = normalize_rows(h.clone());
    let centre_rows = normalize_rows(centres.matrix(&device));
    let cos = codes.matmul(centre_rows.transpose());
    let (hot, weights) = label_matrices(labels, centres.classes);
    let hot = Tensor::<2>::from_data(TensorData::new(hot, [n, centres.classes]), &device);
    let weights = Tensor::<2>::from_data(TensorData::new(weights, [n, centres.classes]), &device);
    let logits = (cos - hot.mul_scalar(margin)).mul_scalar(scale);
    let ce = (log_softmax(logits, 1) * weights)
        .sum()
        .div_scalar(n.max(1) as f32)
        .neg();
    if quantization_weight == 0.0 {
        return ce;
    }
    ce + quantization_loss(h).mul_scalar(quantization_weight)
}

/// Rows divided by their L2 norm (at least [`MIN_NORM`]).
fn normalize_rows(x: Tensor<2>) -> Tensor<2> {
    let norm = (x.clone() * x.clone())
        .sum_dim(1)
        .sqrt()
        .clamp_min(MIN_NORM);
    x / norm
}

/// Row-major `n x classes` multi-hot labels and the same divided by each row's label count.
fn label_matrices(labels: &LabelSets, classes: usize) -> (Vec<f32>, Vec<f32>) {
    let n = labels.len();
    let mut hot = vec![0.0f32; n * classes];
    let mut weights = vec![0.0f32; n * classes];
    for (i, set) in labels.sets().iter().enumerate() {
        for &l in set {
            hot[i * classes + l as usize] = 1.0;
            weights[i * classes + l as usize] = 1.0 / set.len() as f32;
        }
    }
    (hot, weights)
}
