//! EfficientNet-Lite as in the PyPI package `efficientnet-lite-pytorch` 0.1.0 (a port of the
//! TensorFlow Lite models): ReLU6, BatchNorm eps 1e-3 and momentum 0.01, no squeeze-excitation,
//! TensorFlow "same" padding (the extra row/column on the bottom/right for stride-2 3 × 3 and
//! 5 × 5 convolutions), fixed 32-channel stem and 1280-channel head. Parameter names follow the
//! package without its leading underscores (`_blocks.3._bn0.weight` is read into
//! `blocks.3.bn0.gamma`).

use burn::module::Module;
use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::fused::{Activation, conv_bn};
use crate::layers::{batch_norm, conv, global_avg_pool, pad};

const BN_EPS: f64 = 1e-3;
const BN_MOMENTUM: f64 = 0.01;
const STEM: usize = 32;
const HEAD: usize = 1280;

/// One stage of MBConv blocks: (repeats, kernel, stride, expand ratio, input, output channels).
const STAGES: [(usize, usize, usize, usize, usize, usize); 7] = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
];

/// Width and depth multipliers of an EfficientNet-Lite (Lite0: 1.0 and 1.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EfficientNetLiteConfig {
    /// Channel multiplier of the blocks (stem and head stay fixed, as in Lite).
    pub width: f64,
    /// Repeat multiplier of the inner stages (first and last stay fixed).
    pub depth: f64,
    /// Classes of the `fc` layer; `None` builds the feature extractor without it.
    pub num_classes: Option<usize>,
}

impl EfficientNetLiteConfig {
    /// EfficientNet-Lite0.
    pub fn lite0() -> Self {
        Self {
            width: 1.0,
            depth: 1.0,
            num_classes: None,
        }
    }

    /// Width of the pooled feature (always 1280).
    pub fn feature_dim(&self) -> usize {
        HEAD
    }

    /// The package's `round_filters` (divisor 8, never more than 10 % below the target).
    fn round_filters(&self, filters: usize) -> usize {
        let scaled = filters as f64 * self.width;
        let rounded = ((scaled + 4.0) as usize / 8 * 8).max(8);
        if (rounded as f64) < 0.9 * scaled {
            rounded + 8
        } else {
            rounded
        }
    }

    /// The package's `round_repeats` (ceil), except for the first and last stage.
    fn repeats(&self, stage: usize, repeats: usize) -> usize {
        if stage == 0 || stage == STAGES.len() - 1 {
            repeats
        } else {
            (self.depth * repeats as f64).ceil() as usize
        }
    }

    /// Builds the network with random initialisation.
    pub fn init(&self, device: &Device) -> EfficientNetLite {
        let mut blocks = Vec::new();
        let mut last = STEM;
        for (stage, &(repeats, kernel, stride, expand, input, output)) in STAGES.iter().enumerate()
        {
            let input = if stage == 0 {
                STEM
            } else {
                self.round_filters(input)
            };
            let output = self.round_filters(output);
            for i in 0..self.repeats(stage, repeats) {
                let (cin, s) = if i == 0 { (input, stride) } else { (output, 1) };
                blocks.push(MbConv::new(cin, output, kernel, s, expand, i > 0, device));
            }
            last = output;
        }
        EfficientNetLite {
            conv_stem: conv([3, STEM], 3, 2, PaddingConfig2d::Same, 1, device),
            bn0: batch_norm(STEM, BN_EPS, BN_MOMENTUM, device),
            blocks,
            conv_head: conv([last, HEAD], 1, 1, pad(0), 1, device),
            bn1: batch_norm(HEAD, BN_EPS, BN_MOMENTUM, device),
            fc: self
                .num_classes
                .map(|classes| LinearConfig::new(HEAD, classes).init(device)),
        }
    }
}

/// EfficientNet-Lite: stem, MBConv blocks, 1 × 1 head, global average pooling, optional `fc`.
#[derive(Module, Debug)]
pub struct EfficientNetLite {
    pub(crate) conv_stem: Conv2d,
    pub(crate) bn0: BatchNorm,
    pub(crate) blocks: Vec<MbConv>,
    pub(crate) conv_head: Conv2d,
    pub(crate) bn1: BatchNorm,
    pub(crate) fc: Option<Linear>,
}

impl EfficientNetLite {
    /// Pooled features `[N, 1280]` of images `[N, 3, H, W]` normalised as `(x - 127) / 128`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = conv_bn(&self.conv_stem, &self.bn0, images, None, Activation::Relu6);
        for block in &self.blocks {
            x = block.forward(x);
        }
        global_avg_pool(conv_bn(
            &self.conv_head,
            &self.bn1,
            x,
            None,
            Activation::Relu6,
        ))
    }

    /// The classifier output `fc(features)` (dropout is identity in evaluation).
    pub fn logits(&self, features: Tensor<2>) -> Option<Tensor<2>> {
        self.fc.as_ref().map(|fc| fc.forward(features))
    }

    /// Whether the network carries its ImageNet classifier.
    pub fn has_classifier(&self) -> bool {
        self.fc.is_some()
    }
}

/// Mobile inverted bottleneck without squeeze-excitation.
#[derive(Module, Debug)]
pub(crate) struct MbConv {
    pub(crate) expand_conv: Option<Conv2d>,
    pub(crate) bn0: Option<BatchNorm>,
    pub(crate) depthwise_conv: Conv2d,
    pub(crate) bn1: BatchNorm,
    pub(crate) project_conv: Conv2d,
    pub(crate) bn2: BatchNorm,
    pub(crate) skip: bool,
}

impl MbConv {
    fn new(
        input: usize,
        output: usize,
        kernel: usize,
        stride: usize,
        expand: usize,
        skip: bool,
        device: &Device,
    ) -> Self {
        let hidden = input * expand;
        let expanded = expand != 1;
        Self {
            expand_conv: expanded.then(|| conv([input, hidden], 1, 1, pad(0), 1, device)),
            bn0: expanded.then(|| batch_norm(hidden, BN_EPS, BN_MOMENTUM, device)),
            depthwise_conv: conv(
                [hidden, hidden],
                kernel,
                stride,
                PaddingConfig2d::Same,
                hidden,
                device,
            ),
            bn1: batch_norm(hidden, BN_EPS, BN_MOMENTUM, device),
            project_conv: conv([hidden, output], 1, 1, pad(0), 1, device),
            bn2: batch_norm(output, BN_EPS, BN_MOMENTUM, device),
            // The package adds the input back only in the repeated blocks of a stage (stride 1,
            // same width); its first blocks carry a list-valued stride that never equals 1.
            skip: skip && input == output && stride == 1,
        }
    }

    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let residual = self.skip.then(|| input.clone());
        let mut x = input;
        if let (Some(conv), Some(bn)) = (&self.expand_conv, &self.bn0) {
            x = conv_bn(conv, bn, x, None, Activation::Relu6);
        }
        x = conv_bn(&self.depthwise_conv, &self.bn1, x, None, Activation::Relu6);
        conv_bn(
            &self.project_conv,
            &self.bn2,
            x,
            residual,
            Activation::Identity,
        )
    }
}
