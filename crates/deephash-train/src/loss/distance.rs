//! Pairwise squared Euclidean distances of a batch of embeddings.

use burn::tensor::Tensor;

/// `n x n` matrix of `|x_i - x_j|^2` for the rows of `x` (`n x bits`).
///
/// Computed from explicit differences (an `n x n x bits` intermediate) rather than
/// `|x|^2 + |y|^2 - 2 x.y`: exact zeros on the diagonal, no cancellation, and the same
/// arithmetic as the PyTorch reference formula, so values and gradients agree to float
/// precision. For the batch sizes used in triplet training (tens to a few hundred rows)
/// the intermediate is small.
pub fn pairwise_squared_distances(x: Tensor<2>) -> Tensor<2> {
    let [n, _] = x.dims();
    let rows = x.clone().unsqueeze_dim::<3>(1);
    let cols = x.unsqueeze_dim::<3>(0);
    let diff = rows - cols;
    (diff.clone() * diff).sum_dim(2).reshape([n, n])
}
