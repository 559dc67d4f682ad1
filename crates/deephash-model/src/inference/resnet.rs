//! The inference form of a ResNet: the same stem, max-pool and blocks as
//! [`crate::backbone::ResNet::features`], with folded convolutions.

use burn::nn::pool::MaxPool2d;
use burn::tensor::Tensor;

use crate::backbone::resnet::{Block, ResNet};
use crate::folded::FoldedConv;
use crate::fused::Activation;
use crate::layers::global_avg_pool;
use crate::max_pool::max_pool2d;

/// A ResNet with its batch norms folded.
#[derive(Debug, Clone)]
pub struct InferenceResNet {
    conv1: FoldedConv,
    maxpool: MaxPool2d,
    blocks: Vec<InferenceBlock>,
}

impl InferenceResNet {
    pub(crate) fn new(net: &ResNet) -> Self {
        let blocks = [&net.layer1, &net.layer2, &net.layer3, &net.layer4]
            .into_iter()
            .flatten()
            .map(InferenceBlock::new)
            .collect();
        Self {
            conv1: FoldedConv::new(&net.conv1, &net.bn1),
            maxpool: net.maxpool.clone(),
            blocks,
        }
    }

    /// Pooled features `[N, D]` of images `[N, 3, H, W]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self.conv1.forward(images, None, Activation::Relu);
        let mut x = max_pool2d(&self.maxpool, x);
        for block in &self.blocks {
            x = block.forward(x);
        }
        global_avg_pool(x)
    }
}

/// A basic block (two 3 × 3) or a bottleneck (1 × 1, 3 × 3, 1 × 1), with its shortcut.
#[derive(Debug, Clone)]
struct InferenceBlock {
    convs: Vec<FoldedConv>,
    downsample: Option<FoldedConv>,
}

impl InferenceBlock {
    fn new(block: &Block) -> Self {
        let (convs, downsample) = match block {
            Block::Basic(b) => (
                vec![
                    FoldedConv::new(&b.conv1, &b.bn1),
                    FoldedConv::new(&b.conv2, &b.bn2),
                ],
                &b.downsample,
            ),
            Block::Bottleneck(b) => (
                vec![
                    FoldedConv::new(&b.conv1, &b.bn1),
                    FoldedConv::new(&b.conv2, &b.bn2),
                    FoldedConv::new(&b.conv3, &b.bn3),
                ],
                &b.downsample,
            ),
        };
        Self {
            convs,
            downsample: downsample.as_ref().map(|d| FoldedConv::new(&d.conv, &d.bn)),
        }
    }

    /// ReLU after every convolution; the last adds the shortcut first.
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let identity = match &self.downsample {
            Some(d) => d.forward(x.clone(), None, Activation::Identity),
            None => x.clone(),
        };
        let (last, inner) = self.convs.split_last().expect("blocks have convolutions");
        let y = inner
            .iter()
            .fold(x, |y, conv| conv.forward(y, None, Activation::Relu));
        last.forward(y, Some(identity), Activation::Relu)
    }
}
