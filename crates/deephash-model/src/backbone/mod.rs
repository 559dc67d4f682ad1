//! Backbones: the networks whose pooled feature feeds the hash head.

pub(crate) mod efficientnet_lite;
mod kind;
pub(crate) mod resnet;
pub(crate) mod small_cnn;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

pub use efficientnet_lite::{EfficientNetLite, EfficientNetLiteConfig};
pub use kind::{BackboneKind, Normalization};
pub use resnet::{ResNet, ResNetConfig};
pub use small_cnn::{SmallCnn, SmallCnnConfig};

/// The full description of a backbone (kind plus its size parameters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BackboneConfig {
    /// A torchvision ResNet.
    ResNet(ResNetConfig),
    /// An EfficientNet-Lite.
    EfficientNetLite(EfficientNetLiteConfig),
    /// The small CNN for small images.
    SmallCnn(SmallCnnConfig),
}

impl BackboneConfig {
    /// The standard configuration of a named backbone (feature extractor, no classifier).
    pub fn from_kind(kind: BackboneKind) -> Self {
        match kind {
            BackboneKind::ResNet18 => Self::ResNet(ResNetConfig::resnet18()),
            BackboneKind::ResNet34 => Self::ResNet(ResNetConfig::resnet34()),
            BackboneKind::ResNet50 => Self::ResNet(ResNetConfig::resnet50()),
            BackboneKind::EfficientNetLite0 => {
                Self::EfficientNetLite(EfficientNetLiteConfig::lite0())
            }
            BackboneKind::SmallCnn => Self::SmallCnn(SmallCnnConfig::default()),
        }
    }

    /// The named backbone this configuration is a size of: the kind that decides the input
    /// preprocessing. A ResNet's kind follows from its blocks (bottleneck: ResNet-50; two
    /// blocks per stage: ResNet-18; otherwise ResNet-34), so a run configuration stores the
    /// backbone once, here, and its kind is derived.
    pub fn kind(&self) -> BackboneKind {
        match self {
            Self::ResNet(c) if c.bottleneck => BackboneKind::ResNet50,
            Self::ResNet(c) if c.layers == [2; 4] => BackboneKind::ResNet18,
            Self::ResNet(_) => BackboneKind::ResNet34,
            Self::EfficientNetLite(_) => BackboneKind::EfficientNetLite0,
            Self::SmallCnn(_) => BackboneKind::SmallCnn,
        }
    }

    /// Width of the pooled feature.
    pub fn feature_dim(&self) -> usize {
        match self {
            Self::ResNet(c) => c.feature_dim(),
            Self::EfficientNetLite(c) => c.feature_dim(),
            Self::SmallCnn(c) => c.feature_dim(),
        }
    }

    /// Builds the backbone with random initialisation.
    pub fn init(&self, device: &Device) -> Backbone {
        match self {
            Self::ResNet(c) => Backbone::ResNet(c.init(device)),
            Self::EfficientNetLite(c) => Backbone::EfficientNetLite(c.init(device)),
            Self::SmallCnn(c) => Backbone::SmallCnn(c.init(device)),
        }
    }
}

/// A backbone network.
// The variants differ in size, but a backbone is built once and never moved in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Backbone {
    /// A torchvision ResNet.
    ResNet(ResNet),
    /// An EfficientNet-Lite.
    EfficientNetLite(EfficientNetLite),
    /// The small CNN.
    SmallCnn(SmallCnn),
}

impl Backbone {
    /// Pooled features `[N, D]` of normalised images `[N, 3, H, W]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        match self {
            Self::ResNet(n) => n.features(images),
            Self::EfficientNetLite(n) => n.features(images),
            Self::SmallCnn(n) => n.features(images),
        }
    }

    /// Classifier logits from pooled features, when the backbone carries its classifier.
    pub fn logits(&self, features: Tensor<2>) -> Option<Tensor<2>> {
        match self {
            Self::ResNet(n) => n.logits(features),
            Self::EfficientNetLite(n) => n.logits(features),
            Self::SmallCnn(_) => None,
        }
    }

    /// Whether a weights file's classifier (`fc.*`, `_fc.*`) has somewhere to go.
    pub fn has_classifier(&self) -> bool {
        match self {
            Self::ResNet(n) => n.has_classifier(),
            Self::EfficientNetLite(n) => n.has_classifier(),
            Self::SmallCnn(_) => false,
        }
    }

    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ResNet(_) => "ResNet",
            Self::EfficientNetLite(_) => "EfficientNet-Lite",
            Self::SmallCnn(_) => "small CNN",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_comes_back_from_its_standard_configuration() {
        for kind in BackboneKind::ALL {
            assert_eq!(BackboneConfig::from_kind(kind).kind(), kind);
        }
    }

    #[test]
    fn a_narrowed_resnet_keeps_the_kind_of_its_blocks() {
        let mut narrow = ResNetConfig::resnet34();
        narrow.width = 8;
        assert_eq!(
            BackboneConfig::ResNet(narrow).kind(),
            BackboneKind::ResNet34
        );
    }
}
