//! The inference form of the small CNN: [`crate::backbone::SmallCnn::features`] with folded
//! convolutions.

use burn::nn::pool::MaxPool2d;
use burn::tensor::Tensor;

use crate::backbone::small_cnn::SmallCnn;
use crate::folded::FoldedConv;
use crate::fused::Activation;
use crate::layers::global_avg_pool;
use crate::max_pool::max_pool2d;

/// The small CNN with its batch norms folded: per stage two convolutions and a max-pool.
#[derive(Debug, Clone)]
pub struct InferenceSmallCnn {
    stages: Vec<[FoldedConv; 2]>,
    pool: MaxPool2d,
}

impl InferenceSmallCnn {
    pub(crate) fn new(net: &SmallCnn) -> Self {
        Self {
            stages: net
                .stages
                .iter()
                .map(|s| {
                    [
                        FoldedConv::new(&s.a.conv, &s.a.bn),
                        FoldedConv::new(&s.b.conv, &s.b.bn),
                    ]
                })
                .collect(),
            pool: net.pool.clone(),
        }
    }

    /// Pooled features `[N, D]` of images `[N, 3, H, W]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for [a, b] in &self.stages {
            let y = a.forward(x, None, Activation::Relu);
            x = max_pool2d(&self.pool, b.forward(y, None, Activation::Relu));
        }
        global_avg_pool(x)
    }
}
