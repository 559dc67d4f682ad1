//! The inference form of EfficientNet-Lite: [`crate::backbone::EfficientNetLite::features`]
//! with folded convolutions (the depthwise ones run in deephash-kernels' depthwise kernel on
//! the Flex CPU device).

use burn::tensor::Tensor;

use crate::backbone::efficientnet_lite::{EfficientNetLite, MbConv};
use crate::folded::FoldedConv;
use crate::fused::Activation;
use crate::layers::global_avg_pool;

/// EfficientNet-Lite with its batch norms folded.
#[derive(Debug, Clone)]
pub struct InferenceEfficientNetLite {
    stem: FoldedConv,
    blocks: Vec<InferenceMbConv>,
    head: FoldedConv,
}

impl InferenceEfficientNetLite {
    pub(crate) fn new(net: &EfficientNetLite) -> Self {
        Self {
            stem: FoldedConv::new(&net.conv_stem, &net.bn0),
            blocks: net.blocks.iter().map(InferenceMbConv::new).collect(),
            head: FoldedConv::new(&net.conv_head, &net.bn1),
        }
    }

    /// Pooled features `[N, 1280]` of images `[N, 3, H, W]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(images, None, Activation::Relu6);
        for block in &self.blocks {
            x = block.forward(x);
        }
        global_avg_pool(self.head.forward(x, None, Activation::Relu6))
    }
}

/// An MBConv block: optional 1 × 1 expansion, depthwise, 1 × 1 projection (+ input).
#[derive(Debug, Clone)]
struct InferenceMbConv {
    expand: Option<FoldedConv>,
    depthwise: FoldedConv,
    project: FoldedConv,
    skip: bool,
}

impl InferenceMbConv {
    fn new(block: &MbConv) -> Self {
        Self {
            expand: block
                .expand_conv
                .as_ref()
                .zip(block.bn0.as_ref())
                .map(|(conv, bn)| FoldedConv::new(conv, bn)),
            depthwise: FoldedConv::new(&block.depthwise_conv, &block.bn1),
            project: FoldedConv::new(&block.project_conv, &block.bn2),
            skip: block.skip,
        }
    }

    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let residual = self.skip.then(|| input.clone());
        let mut x = input;
        if let Some(expand) = &self.expand {
            x = expand.forward(x, None, Activation::Relu6);
        }
        x = self.depthwise.forward(x, None, Activation::Relu6);
        self.project.forward(x, residual, Activation::Identity)
    }
}
