//! Inference forms of the networks: what a model loaded for evaluation runs.
//!
//! [`HashNet::inference`] (and [`Backbone::inference`]) build, once, a copy of the network in
//! evaluation form: every convolution with its batch norm folded in ([`FoldedConv`]), its
//! weights laid out for the kernel that will read them. Running the module itself in
//! evaluation ([`HashNet::forward`]) gives the same values but folds every batch norm again on
//! every call (for ResNet-50 about 25 M weights per forward); a loaded model that embeds batch
//! after batch (`encode`, `serve`, feature extraction, validation) builds the inference form
//! once and reuses it.
//!
//! An inference form is a snapshot, separate from the module: it never takes part in
//! training (no autodiff, no running-statistics update), and a module that trains on does not
//! change it; build a new one after the parameters change. Build it from a module on a plain
//! device (the module itself, or `Module::valid()` of a training module): on the Flex CPU
//! device the convolutions then run in deephash-kernels.

mod efficientnet_lite;
mod resnet;
mod small_cnn;

use burn::tensor::Tensor;

pub use crate::folded::FoldedConv;
use crate::{Backbone, HashHead, HashNet};
pub use efficientnet_lite::InferenceEfficientNetLite;
pub use resnet::InferenceResNet;
pub use small_cnn::InferenceSmallCnn;

/// A [`HashNet`] in inference form: backbone with folded convolutions, the same head.
#[derive(Debug, Clone)]
pub struct InferenceNet {
    backbone: InferenceBackbone,
    head: HashHead,
}

impl InferenceNet {
    /// Relaxed codes `[N, bits]` of normalised images `[N, 3, H, W]` (what
    /// [`HashNet::forward`] gives in evaluation).
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head.forward(self.backbone.features(images))
    }

    /// Pooled backbone features `[N, D]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        self.backbone.features(images)
    }
}

/// A [`Backbone`] in inference form.
// The variants differ in size, but an inference form is built once and never moved in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum InferenceBackbone {
    /// A torchvision ResNet.
    ResNet(InferenceResNet),
    /// An EfficientNet-Lite.
    EfficientNetLite(InferenceEfficientNetLite),
    /// The small CNN.
    SmallCnn(InferenceSmallCnn),
}

impl InferenceBackbone {
    /// Pooled features `[N, D]` of normalised images `[N, 3, H, W]` (what
    /// [`Backbone::features`] gives in evaluation).
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        match self {
            Self::ResNet(n) => n.features(images),
            Self::EfficientNetLite(n) => n.features(images),
            Self::SmallCnn(n) => n.features(images),
        }
    }
}

impl Backbone {
    /// The inference form of this backbone (see the [module documentation](self)): batch
    /// norms folded into the convolutions once, with evaluation semantics whatever the
    /// layers' training flags.
    pub fn inference(&self) -> InferenceBackbone {
        match self {
            Self::ResNet(n) => InferenceBackbone::ResNet(InferenceResNet::new(n)),
            Self::EfficientNetLite(n) => {
                InferenceBackbone::EfficientNetLite(InferenceEfficientNetLite::new(n))
            }
            Self::SmallCnn(n) => InferenceBackbone::SmallCnn(InferenceSmallCnn::new(n)),
        }
    }
}

impl HashNet {
    /// The inference form of this network (see the [module documentation](self)).
    pub fn inference(&self) -> InferenceNet {
        InferenceNet {
            backbone: self.backbone.inference(),
            head: self.head.clone(),
        }
    }
}
