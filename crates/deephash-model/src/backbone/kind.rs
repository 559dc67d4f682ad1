//! Backbone names as typed on the command line, with what each expects as input.
//!
//! This is plain data so that crates without burn (the data crate's transforms) can apply
//! the right preprocessing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// The supported backbones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BackboneKind {
    /// torchvision ResNet-18 (512-d features).
    ResNet18,
    /// torchvision ResNet-34 (512-d features).
    ResNet34,
    /// torchvision ResNet-50 (2048-d features).
    ResNet50,
    /// EfficientNet-Lite0 (1280-d features).
    EfficientNetLite0,
    /// The small CNN for small images (64-d features at the default width 16).
    SmallCnn,
}

/// How 8-bit RGB pixels become network inputs: the data crate's type, so transforms apply
/// it directly.
pub use deephash_data::Normalization;

/// Fashion-MNIST statistics (grey replicated to three channels), what the small CNN expects.
const FASHION_MNIST: Normalization = Normalization::MeanStd {
    mean: [0.2860; 3],
    std: [0.3530; 3],
};

impl BackboneKind {
    /// Every kind, in command-line order.
    pub const ALL: [Self; 5] = [
        Self::ResNet18,
        Self::ResNet34,
        Self::ResNet50,
        Self::EfficientNetLite0,
        Self::SmallCnn,
    ];

    /// The command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ResNet18 => "resnet18",
            Self::ResNet34 => "resnet34",
            Self::ResNet50 => "resnet50",
            Self::EfficientNetLite0 => "efficientnet-lite0",
            Self::SmallCnn => "small-cnn",
        }
    }

    /// Width of the pooled feature at the standard configuration.
    pub fn feature_dim(&self) -> usize {
        match self {
            Self::ResNet18 | Self::ResNet34 => 512,
            Self::ResNet50 => 2048,
            Self::EfficientNetLite0 => 1280,
            Self::SmallCnn => super::SmallCnnConfig::default().feature_dim(),
        }
    }

    /// The normalisation the (pre)trained weights expect.
    pub fn normalization(&self) -> Normalization {
        match self {
            Self::EfficientNetLite0 => Normalization::centered_127(),
            Self::SmallCnn => FASHION_MNIST,
            _ => Normalization::imagenet(),
        }
    }

    /// Side of the square network input (centre crop).
    pub fn input_size(&self) -> usize {
        match self {
            Self::SmallCnn => 28,
            _ => 224,
        }
    }

    /// Side the image is resized to before the centre crop.
    pub fn resize_size(&self) -> usize {
        match self {
            Self::SmallCnn => 28,
            _ => 256,
        }
    }
}

impl FromStr for BackboneKind {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| ModelError::UnknownBackbone(text.to_string()))
    }
}

impl fmt::Display for BackboneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        for kind in BackboneKind::ALL {
            assert_eq!(kind.name().parse::<BackboneKind>().unwrap(), kind);
        }
        let err = "resnet101".parse::<BackboneKind>().unwrap_err();
        assert!(err.to_string().contains("resnet101"));
    }

    #[test]
    fn lite_normalisation_is_minus_127_over_128() {
        let n = BackboneKind::EfficientNetLite0.normalization();
        for p in [0u8, 127, 200, 255] {
            let expected = (p as f32 - 127.0) / 128.0;
            assert_eq!(n.apply(1, p), expected);
        }
    }
}
