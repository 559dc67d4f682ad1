//! ResNet-18/34/50 exactly as torchvision builds them (v1.5: stride on the 3 × 3 convolution
//! of the bottleneck), with torchvision's parameter names (`layer1.0.conv1.weight`, …;
//! `downsample.0/1` are read into `downsample.conv/bn`).

use burn::module::Module;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::fused::{Activation, conv_bn};
use crate::layers::{batch_norm, conv, global_avg_pool, pad};
use crate::max_pool::max_pool2d;

const BN_EPS: f64 = 1e-5;
const BN_MOMENTUM: f64 = 0.1;

/// The shape of a ResNet: which block, how many per stage, how wide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResNetConfig {
    /// Bottleneck blocks (ResNet-50) instead of basic blocks (ResNet-18/34).
    pub bottleneck: bool,
    /// Blocks in each of the four stages.
    pub layers: [usize; 4],
    /// Channels of the stem and first stage (torchvision: 64); reduced in test fixtures.
    pub width: usize,
    /// Classes of the `fc` layer; `None` builds the feature extractor without it.
    pub num_classes: Option<usize>,
}

impl ResNetConfig {
    /// torchvision's ResNet-18.
    pub fn resnet18() -> Self {
        Self {
            bottleneck: false,
            layers: [2, 2, 2, 2],
            width: 64,
            num_classes: None,
        }
    }
    /// torchvision's ResNet-34.
    pub fn resnet34() -> Self {
        Self {
            bottleneck: false,
            layers: [3, 4, 6, 3],
            width: 64,
            num_classes: None,
        }
    }
    /// torchvision's ResNet-50.
    pub fn resnet50() -> Self {
        Self {
            bottleneck: true,
            layers: [3, 4, 6, 3],
            width: 64,
            num_classes: None,
        }
    }
    /// Blocks multiply their planes by this to get their output channels.
    fn expansion(&self) -> usize {
        if self.bottleneck { 4 } else { 1 }
    }
    /// Width of the pooled feature (512 for ResNet-18/34, 2048 for ResNet-50 at width 64).
    pub fn feature_dim(&self) -> usize {
        self.width * 8 * self.expansion()
    }
    /// Builds the network with PyTorch-like random initialisation.
    pub fn init(&self, device: &Device) -> ResNet {
        let mut inplanes = self.width;
        let mut stage = |index: usize| {
            let planes = self.width << index;
            let stride = if index == 0 { 1 } else { 2 };
            (0..self.layers[index])
                .map(|i| {
                    let block_stride = if i == 0 { stride } else { 1 };
                    let block = Block::new(self, inplanes, planes, block_stride, device);
                    inplanes = planes * self.expansion();
                    block
                })
                .collect::<Vec<_>>()
        };
        let (layer1, layer2, layer3, layer4) = (stage(0), stage(1), stage(2), stage(3));
        ResNet {
            conv1: conv([3, self.width], 7, 2, pad(3), 1, device),
            bn1: batch_norm(self.width, BN_EPS, BN_MOMENTUM, device),
            maxpool: MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(pad(1))
                .init(),
            layer1,
            layer2,
            layer3,
            layer4,
            fc: self
                .num_classes
                .map(|classes| LinearConfig::new(self.feature_dim(), classes).init(device)),
        }
    }
}

/// A ResNet: stem, four stages of residual blocks, global average pooling, optional `fc`.
#[derive(Module, Debug)]
pub struct ResNet {
    pub(crate) conv1: burn::nn::conv::Conv2d,
    pub(crate) bn1: BatchNorm,
    pub(crate) maxpool: MaxPool2d,
    pub(crate) layer1: Vec<Block>,
    pub(crate) layer2: Vec<Block>,
    pub(crate) layer3: Vec<Block>,
    pub(crate) layer4: Vec<Block>,
    pub(crate) fc: Option<Linear>,
}

impl ResNet {
    /// Pooled features `[N, D]` of images `[N, 3, H, W]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let x = conv_bn(&self.conv1, &self.bn1, images, None, Activation::Relu);
        let mut x = max_pool2d(&self.maxpool, x);
        for block in self
            .layer1
            .iter()
            .chain(&self.layer2)
            .chain(&self.layer3)
            .chain(&self.layer4)
        {
            x = block.forward(x);
        }
        global_avg_pool(x)
    }

    /// The classifier output `fc(features)`, when the network has an `fc` layer.
    pub fn logits(&self, features: Tensor<2>) -> Option<Tensor<2>> {
        self.fc.as_ref().map(|fc| fc.forward(features))
    }

    /// Whether the network carries its ImageNet classifier.
    pub fn has_classifier(&self) -> bool {
        self.fc.is_some()
    }
}

/// One residual block.
// The variants differ in size, but blocks are built once and never moved in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub(crate) enum Block {
    Basic(BasicBlock),
    Bottleneck(Bottleneck),
}

impl Block {
    fn new(
        cfg: &ResNetConfig,
        inplanes: usize,
        planes: usize,
        stride: usize,
        device: &Device,
    ) -> Self {
        let out = planes * cfg.expansion();
        let downsample = (stride != 1 || inplanes != out)
            .then(|| Downsample::new(inplanes, out, stride, device));
        if cfg.bottleneck {
            Self::Bottleneck(Bottleneck {
                conv1: conv([inplanes, planes], 1, 1, pad(0), 1, device),
                bn1: batch_norm(planes, BN_EPS, BN_MOMENTUM, device),
                conv2: conv([planes, planes], 3, stride, pad(1), 1, device),
                bn2: batch_norm(planes, BN_EPS, BN_MOMENTUM, device),
                conv3: conv([planes, out], 1, 1, pad(0), 1, device),
                bn3: batch_norm(out, BN_EPS, BN_MOMENTUM, device),
                downsample,
            })
        } else {
            Self::Basic(BasicBlock {
                conv1: conv([inplanes, planes], 3, stride, pad(1), 1, device),
                bn1: batch_norm(planes, BN_EPS, BN_MOMENTUM, device),
                conv2: conv([planes, planes], 3, 1, pad(1), 1, device),
                bn2: batch_norm(planes, BN_EPS, BN_MOMENTUM, device),
                downsample,
            })
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Self::Basic(block) => block.forward(x),
            Self::Bottleneck(block) => block.forward(x),
        }
    }
}

/// torchvision's `BasicBlock`: two 3 × 3 convolutions.
#[derive(Module, Debug)]
pub(crate) struct BasicBlock {
    pub(crate) conv1: burn::nn::conv::Conv2d,
    pub(crate) bn1: BatchNorm,
    pub(crate) conv2: burn::nn::conv::Conv2d,
    pub(crate) bn2: BatchNorm,
    pub(crate) downsample: Option<Downsample>,
}

impl BasicBlock {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let identity = residual(&self.downsample, x.clone());
        let y = conv_bn(&self.conv1, &self.bn1, x, None, Activation::Relu);
        conv_bn(&self.conv2, &self.bn2, y, Some(identity), Activation::Relu)
    }
}

/// torchvision's `Bottleneck`: 1 × 1, 3 × 3 (strided), 1 × 1 expanding by 4.
#[derive(Module, Debug)]
pub(crate) struct Bottleneck {
    pub(crate) conv1: burn::nn::conv::Conv2d,
    pub(crate) bn1: BatchNorm,
    pub(crate) conv2: burn::nn::conv::Conv2d,
    pub(crate) bn2: BatchNorm,
    pub(crate) conv3: burn::nn::conv::Conv2d,
    pub(crate) bn3: BatchNorm,
    pub(crate) downsample: Option<Downsample>,
}

impl Bottleneck {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let identity = residual(&self.downsample, x.clone());
        let y = conv_bn(&self.conv1, &self.bn1, x, None, Activation::Relu);
        let y = conv_bn(&self.conv2, &self.bn2, y, None, Activation::Relu);
        conv_bn(&self.conv3, &self.bn3, y, Some(identity), Activation::Relu)
    }
}

/// The projection shortcut: 1 × 1 strided convolution and batch norm
/// (torchvision's `downsample.0` and `downsample.1`).
#[derive(Module, Debug)]
pub(crate) struct Downsample {
    pub(crate) conv: burn::nn::conv::Conv2d,
    pub(crate) bn: BatchNorm,
}

impl Downsample {
    fn new(inplanes: usize, out: usize, stride: usize, device: &Device) -> Self {
        Self {
            conv: conv([inplanes, out], 1, stride, pad(0), 1, device),
            bn: batch_norm(out, BN_EPS, BN_MOMENTUM, device),
        }
    }
}

fn residual(downsample: &Option<Downsample>, x: Tensor<4>) -> Tensor<4> {
    match downsample {
        Some(d) => conv_bn(&d.conv, &d.bn, x, None, Activation::Identity),
        None => x,
    }
}
