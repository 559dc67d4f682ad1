//! Label sets of a batch and the positive/negative pair masks derived from them.

use burn::tensor::{Device, Tensor, TensorData};

/// The labels of every sample in a batch: one set per sample (one element for
/// single-label data, several for multi-label data).
///
/// Two samples are *positives* of each other when their sets share at least one label
/// and *negatives* when they share none; a sample is never its own positive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSets {
    sets: Vec<Vec<u32>>,
}

impl LabelSets {
    /// Single-label data: one class per sample.
    pub fn single(labels: &[u32]) -> Self {
        Self {
            sets: labels.iter().map(|&l| vec![l]).collect(),
        }
    }

    /// Multi-label data: any number of labels per sample (sorted and deduplicated here).
    pub fn multi(sets: Vec<Vec<u32>>) -> Self {
        let sets = sets
            .into_iter()
            .map(|mut s| {
                s.sort_unstable();
                s.dedup();
                s
            })
            .collect();
        Self { sets }
    }

    /// The label set of every sample, in batch order.
    pub fn sets(&self) -> &[Vec<u32>] {
        &self.sets
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// True when the batch has no samples.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Whether samples `i` and `j` share at least one label.
    pub fn share_label(&self, i: usize, j: usize) -> bool {
        let (a, b) = (&self.sets[i], &self.sets[j]);
        let (mut x, mut y) = (0, 0);
        while x < a.len() && y < b.len() {
            match a[x].cmp(&b[y]) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    /// Row-major `n x n` 0/1 masks `(positive, negative)`: `positive[i][j]` when `i != j`
    /// share a label, `negative[i][j]` when they share none.
    pub fn pair_masks(&self) -> (Vec<f32>, Vec<f32>) {
        let n = self.len();
        let mut pos = vec![0.0; n * n];
        let mut neg = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                if self.share_label(i, j) {
                    pos[i * n + j] = 1.0;
                } else {
                    neg[i * n + j] = 1.0;
                }
            }
        }
        (pos, neg)
    }

    /// The pair masks as `n x n` float tensors on `device`.
    pub fn pair_mask_tensors(&self, device: &Device) -> (Tensor<2>, Tensor<2>) {
        let n = self.len();
        let (pos, neg) = self.pair_masks();
        let pos = Tensor::from_data(TensorData::new(pos, [n, n]), device);
        let neg = Tensor::from_data(TensorData::new(neg, [n, n]), device);
        (pos, neg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_label_positives_share_one_label_and_negatives_none() {
        let sets = LabelSets::multi(vec![vec![1, 2], vec![2, 3], vec![4], vec![]]);
        let (pos, neg) = sets.pair_masks();
        assert_eq!(pos[1], 1.0); // {1,2} vs {2,3}
        assert_eq!(neg[2], 1.0); // {1,2} vs {4}
        assert_eq!(neg[3], 1.0); // {1,2} vs {} shares nothing
        assert_eq!(pos[0], 0.0); // never its own positive
        assert_eq!(neg[0], 0.0); // nor its own negative
        assert_eq!(pos[3 * 4 + 3] + neg[3 * 4 + 3], 0.0);
    }

    #[test]
    fn single_labels_compare_by_class() {
        let sets = LabelSets::single(&[0, 0, 1]);
        let (pos, neg) = sets.pair_masks();
        assert_eq!(pos, vec![0., 1., 0., 1., 0., 0., 0., 0., 0.]);
        assert_eq!(neg, vec![0., 0., 1., 0., 0., 1., 1., 1., 0.]);
    }
}
