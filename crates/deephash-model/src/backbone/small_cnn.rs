//! A small CNN for small images (28 × 28 Fashion-MNIST replicated to 3 channels), trained from
//! scratch in the spirit of the paper's own network: stages of two conv-BN-ReLU blocks and a
//! 2 × 2 max-pool, channels doubling per stage, then global average pooling.
//!
//! Parameter names: `stages.{i}.{a,b}.conv.weight`, `stages.{i}.{a,b}.bn.{weight,bias,…}`.

use burn::module::Module;
use burn::nn::BatchNorm;
use burn::nn::conv::Conv2d;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::fused::{Activation, conv_bn};
use crate::layers::{batch_norm, conv, global_avg_pool, pad};
use crate::max_pool::max_pool2d;

/// Width and depth of the small CNN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmallCnnConfig {
    /// Channels of the first stage; stage `i` has `width << i`.
    pub width: usize,
    /// Number of stages (each halves the resolution).
    pub stages: usize,
}

impl Default for SmallCnnConfig {
    /// Width 16, three stages (64-d features, about 7.6M multiply-adds per 28 x 28 image).
    ///
    /// Width 32 (30M multiply-adds) trained at 37 images/s on the shared 2-core machine
    /// (one epoch of the bundled subset took 340 s); width 16 trains 3.6x faster
    /// (`examples/profile_small_cnn.rs` in deephash-train).
    fn default() -> Self {
        Self {
            width: 16,
            stages: 3,
        }
    }
}

impl SmallCnnConfig {
    /// Width of the pooled feature: the channels of the last stage.
    pub fn feature_dim(&self) -> usize {
        self.width << self.stages.saturating_sub(1)
    }

    /// Builds the network with random initialisation.
    pub fn init(&self, device: &Device) -> SmallCnn {
        let mut input = 3;
        let stages = (0..self.stages)
            .map(|i| {
                let out = self.width << i;
                let stage = Stage {
                    a: ConvBnRelu::new(input, out, device),
                    b: ConvBnRelu::new(out, out, device),
                };
                input = out;
                stage
            })
            .collect();
        SmallCnn {
            stages,
            pool: MaxPool2dConfig::new([2, 2]).init(),
        }
    }
}

/// The small CNN.
#[derive(Module, Debug)]
pub struct SmallCnn {
    pub(crate) stages: Vec<Stage>,
    pub(crate) pool: MaxPool2d,
}

impl SmallCnn {
    /// Pooled features `[N, D]` of images `[N, 3, H, W]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for stage in &self.stages {
            x = max_pool2d(&self.pool, stage.b.forward(stage.a.forward(x)));
        }
        global_avg_pool(x)
    }
}

#[derive(Module, Debug)]
pub(crate) struct Stage {
    pub(crate) a: ConvBnRelu,
    pub(crate) b: ConvBnRelu,
}

#[derive(Module, Debug)]
pub(crate) struct ConvBnRelu {
    pub(crate) conv: Conv2d,
    pub(crate) bn: BatchNorm,
}

impl ConvBnRelu {
    fn new(input: usize, output: usize, device: &Device) -> Self {
        Self {
            conv: conv([input, output], 3, 1, pad(1), 1, device),
            bn: batch_norm(output, 1e-5, 0.1, device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        conv_bn(&self.conv, &self.bn, x, None, Activation::Relu)
    }
}
