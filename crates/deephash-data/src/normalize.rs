//! Pixel normalisation, given as data so each backbone states its own.

/// How 8-bit pixel values become network inputs. Applied per channel through a 256-entry table, so
/// the values are exactly those of the reference formula in `f32`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Normalization {
    /// torchvision's `ToTensor` then `Normalize(mean, std)`: `(x / 255 - mean[c]) / std[c]`, with
    /// `mean` and `std` in `[0, 1]` units.
    MeanStd {
        /// Per-channel mean (R, G, B).
        mean: [f32; 3],
        /// Per-channel standard deviation (R, G, B).
        std: [f32; 3],
    },
    /// `(x - offset) / divisor` on raw `0..=255` values (EfficientNet-Lite uses 127 and 128).
    Affine {
        /// Subtracted from the raw value.
        offset: f32,
        /// The difference is divided by this.
        divisor: f32,
    },
}

impl Normalization {
    /// ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225): what torchvision's
    /// pretrained ResNets expect.
    pub fn imagenet() -> Self {
        Self::MeanStd {
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
        }
    }

    /// The CIFAR-10 constants the seed project used (mean (0.4914, 0.4822, 0.4465), std (0.2023,
    /// 0.1994, 0.2010)); kept only to reproduce the seed, they do not suit ImageNet backbones.
    pub fn cifar() -> Self {
        Self::MeanStd {
            mean: [0.4914, 0.4822, 0.4465],
            std: [0.2023, 0.1994, 0.2010],
        }
    }

    /// `(x - 127) / 128` on raw pixels: EfficientNet-Lite0's own preprocessing.
    pub fn centered_127() -> Self {
        Self::Affine {
            offset: 127.0,
            divisor: 128.0,
        }
    }

    /// Plain `x / 255` (torchvision's `ToTensor` alone).
    pub fn unit() -> Self {
        Self::MeanStd {
            mean: [0.0; 3],
            std: [1.0; 3],
        }
    }

    /// Parses a name: `imagenet`, `cifar`, `centered-127` or `unit`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "imagenet" => Some(Self::imagenet()),
            "cifar" => Some(Self::cifar()),
            "centered-127" | "centered_127" => Some(Self::centered_127()),
            "unit" => Some(Self::unit()),
            _ => None,
        }
    }

    /// The value of raw pixel `x` in channel `c` (0 = R).
    pub fn apply(&self, c: usize, x: u8) -> f32 {
        match *self {
            Self::MeanStd { mean, std } => (f32::from(x) / 255.0 - mean[c]) / std[c],
            Self::Affine { offset, divisor } => (f32::from(x) - offset) / divisor,
        }
    }

    /// A lookup table: `table[c][x] == self.apply(c, x)`.
    pub fn table(&self) -> [[f32; 256]; 3] {
        let mut t = [[0.0; 256]; 3];
        for (c, row) in t.iter_mut().enumerate() {
            for (x, v) in row.iter_mut().enumerate() {
                *v = self.apply(c, x as u8);
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imagenet_matches_formula() {
        let n = Normalization::imagenet();
        assert_eq!(n.apply(0, 0), (0.0 - 0.485) / 0.229);
        assert_eq!(n.apply(2, 255), (1.0 - 0.406) / 0.225);
        assert_eq!(n.table()[1][128], (128.0 / 255.0 - 0.456) / 0.224);
    }

    #[test]
    fn centered_127_matches_efficientnet_lite() {
        let n = Normalization::centered_127();
        assert_eq!(n.apply(0, 127), 0.0);
        assert_eq!(n.apply(1, 255), 1.0);
        assert_eq!(n.apply(2, 0), -127.0 / 128.0);
    }

    #[test]
    fn names_parse() {
        assert_eq!(
            Normalization::from_name("cifar"),
            Some(Normalization::cifar())
        );
        assert_eq!(Normalization::from_name("bogus"), None);
    }
}
