//! The triplet ranking loss with its three mining strategies, vectorised over the batch.

use burn::tensor::activation::relu;
use burn::tensor::{Tensor, TensorData};

use super::distance::pairwise_squared_distances;
use super::labels::LabelSets;
use super::mining::Mining;

/// Added to masked-out distances so that `min`/`max` never select them.
const MASKED: f32 = 1.0e9;

/// Mean triplet loss of `embeddings` (`n x bits`) for the selected `mining`.
///
/// Returns a one-element tensor; zero (still attached to the graph) when the batch has no
/// valid triplet.
pub fn triplet_loss(
    embeddings: Tensor<2>,
    labels: &LabelSets,
    margin: f32,
    mining: Mining,
) -> Tensor<1> {
    let zero = embeddings.clone().sum().mul_scalar(0.0);
    let dist = pairwise_squared_distances(embeddings);
    let (loss, count) = match mining {
        Mining::All => all_triplets(dist, labels, margin),
        Mining::BatchHard => batch_hard(dist, labels, margin),
        Mining::SemiHard => semi_hard(dist, labels, margin),
    };
    if count == 0 {
        return zero;
    }
    loss.div_scalar(count as f32)
}

/// Sum of `relu(d(a,p) - d(a,n) + margin)` over every valid triplet, and their number.
fn all_triplets(dist: Tensor<2>, labels: &LabelSets, margin: f32) -> (Tensor<1>, usize) {
    let n = labels.len();
    let device = dist.device();
    let (pos, neg) = labels.pair_mask_tensors(&device);
    let count = triplet_count(labels);
    let d_ap = dist.clone().reshape([n, n, 1]);
    let d_an = dist.reshape([n, 1, n]);
    let mask = pos.reshape([n, n, 1]) * neg.reshape([n, 1, n]);
    let losses = relu(d_ap - d_an + margin) * mask;
    (losses.sum(), count)
}

/// Sum over anchors of `relu(max_p d(a,p) - min_n d(a,n) + margin)`, and the number of
/// anchors with at least one positive and one negative.
fn batch_hard(dist: Tensor<2>, labels: &LabelSets, margin: f32) -> (Tensor<1>, usize) {
    let n = labels.len();
    let device = dist.device();
    let (pos, neg) = labels.pair_mask_tensors(&device);
    let valid = valid_anchors(labels);
    let count = valid.iter().filter(|&&v| v > 0.0).count();
    let valid = Tensor::<1>::from_data(TensorData::new(valid, [n]), &device).reshape([n, 1]);
    let hardest_pos = (dist.clone() * pos.clone() + (pos - 1.0) * MASKED).max_dim(1);
    let hardest_neg = (dist + (neg.neg() + 1.0) * MASKED).min_dim(1);
    let losses = relu(hardest_pos - hardest_neg + margin) * valid;
    (losses.sum(), count)
}

/// Sum over positive pairs of `relu(d(a,p) - d(a,n*) + margin)` with `n*` the semi-hard
/// negative, and the number of positive pairs whose anchor has a negative.
fn semi_hard(dist: Tensor<2>, labels: &LabelSets, margin: f32) -> (Tensor<1>, usize) {
    let n = labels.len();
    let device = dist.device();
    let (_, neg) = labels.pair_mask_tensors(&device);
    let (pair_mask, count) = semi_hard_pairs(labels);
    let pair_mask = Tensor::<2>::from_data(TensorData::new(pair_mask, [n, n]), &device);
    let d_ap = dist.clone().reshape([n, n, 1]);
    let d_an = dist.clone().reshape([n, 1, n]);
    let neg3 = neg.clone().reshape([n, 1, n]);
    // Negatives farther than the positive (selection only: no gradient through the mask).
    let farther = d_an.clone().detach().greater(d_ap.clone().detach()).float() * neg3;
    let has_farther = farther.clone().sum_dim(2).greater_elem(0.0);
    let closest_farther = (d_an + (farther.neg() + 1.0) * MASKED).min_dim(2);
    let farthest_neg = (dist * neg.clone() + (neg - 1.0) * MASKED)
        .max_dim(1)
        .reshape([n, 1, 1])
        .expand([n, n, 1]);
    let chosen = farthest_neg.mask_where(has_farther, closest_farther);
    let losses = relu(d_ap - chosen + margin) * pair_mask.reshape([n, n, 1]);
    (losses.sum(), count)
}

/// Number of valid (anchor, positive, negative) triplets.
fn triplet_count(labels: &LabelSets) -> usize {
    let n = labels.len();
    let (pos, neg) = labels.pair_masks();
    (0..n)
        .map(|a| {
            let p = pos[a * n..(a + 1) * n].iter().filter(|&&v| v > 0.0).count();
            let q = neg[a * n..(a + 1) * n].iter().filter(|&&v| v > 0.0).count();
            p * q
        })
        .sum()
}

/// 1.0 for anchors with at least one positive and one negative, else 0.0.
fn valid_anchors(labels: &LabelSets) -> Vec<f32> {
    let n = labels.len();
    let (pos, neg) = labels.pair_masks();
    (0..n)
        .map(|a| {
            let has_pos = pos[a * n..(a + 1) * n].iter().any(|&v| v > 0.0);
            let has_neg = neg[a * n..(a + 1) * n].iter().any(|&v| v > 0.0);
            if has_pos && has_neg { 1.0 } else { 0.0 }
        })
        .collect()
}

/// Positive-pair mask restricted to anchors that have a negative, and its number of ones.
fn semi_hard_pairs(labels: &LabelSets) -> (Vec<f32>, usize) {
    let n = labels.len();
    let (mut pos, neg) = labels.pair_masks();
    for a in 0..n {
        if !neg[a * n..(a + 1) * n].iter().any(|&v| v > 0.0) {
            pos[a * n..(a + 1) * n].fill(0.0);
        }
    }
    let count = pos.iter().filter(|&&v| v > 0.0).count();
    (pos, count)
}
