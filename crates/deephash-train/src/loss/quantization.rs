//! The quantization term: pulls the tanh outputs towards the binary codes `±1`.

use burn::tensor::Tensor;

/// `mean((|h| - 1)^2)` over every element of `h` (`n x bits`).
///
/// Zero when every output is exactly `±1`, so the sign taken at encoding time loses
/// nothing; weighted by the caller and added to the triplet loss.
pub fn quantization_loss(h: Tensor<2>) -> Tensor<1> {
    let gap = h.abs() - 1.0;
    (gap.clone() * gap).mean()
}
