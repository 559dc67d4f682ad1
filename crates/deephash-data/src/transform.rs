//! The image transform of the pipeline: deterministic resize (cacheable), then per-sample random
//! crop and flip, then normalisation into `f32` CHW.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{DataError, Result};
use crate::normalize::Normalization;
use crate::resize::{resize_bilinear, shorter_side_size};
use crate::rgb::RgbImage;

/// The resize step (torchvision's `Resize` on PIL images).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resize {
    /// Leave the image at its size (small images such as Fashion-MNIST).
    None,
    /// To exactly `width` x `height` (torchvision `Resize((h, w))`).
    Exact {
        /// Output width.
        width: u32,
        /// Output height.
        height: u32,
    },
    /// Shorter side to this many pixels, aspect kept (torchvision `Resize(n)`).
    ShorterSide(u32),
}

/// Where the crop window goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CropMode {
    /// torchvision `CenterCrop`: offsets `round((in - out) / 2)`, ties to even.
    Center,
    /// torchvision `RandomCrop`: offsets uniform in `0..=in - out`.
    Random,
}

/// A crop to `width` x `height`, after `pad` pixels of zero padding on every side (torchvision
/// `RandomCrop(size, padding=pad)`, the usual augmentation for 28 x 28 images).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// Zero padding added on each side before cropping.
    pub pad: u32,
    /// Centre or random placement.
    pub mode: CropMode,
}

/// A whole transform: resize, crop, random horizontal flip, normalisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformConfig {
    /// The deterministic resize (the part stored in the decoded-image cache).
    pub resize: Resize,
    /// Optional crop.
    pub crop: Option<Crop>,
    /// Flip horizontally with probability 1/2.
    pub flip: bool,
    /// How pixels become numbers.
    pub normalization: Normalization,
}

impl TransformConfig {
    /// The training transform of the seed for ImageNet backbones: resize to 256 x 256, random
    /// 224 crop, random horizontal flip, the given normalisation.
    pub fn train_224(normalization: Normalization) -> Self {
        Self {
            resize: Resize::Exact {
                width: 256,
                height: 256,
            },
            crop: Some(Crop {
                width: 224,
                height: 224,
                pad: 0,
                mode: CropMode::Random,
            }),
            flip: true,
            normalization,
        }
    }

    /// The evaluation transform: resize to 256 x 256, centre 224 crop, no flip.
    pub fn eval_224(normalization: Normalization) -> Self {
        Self {
            resize: Resize::Exact {
                width: 256,
                height: 256,
            },
            crop: Some(Crop {
                width: 224,
                height: 224,
                pad: 0,
                mode: CropMode::Center,
            }),
            flip: false,
            normalization,
        }
    }

    /// Training on small images (e.g. 28 x 28): no resize, `pad` pixels of zero padding then a random
    /// crop back to `size`, random flip.
    pub fn train_small(size: u32, pad: u32, normalization: Normalization) -> Self {
        Self {
            resize: Resize::None,
            crop: Some(Crop {
                width: size,
                height: size,
                pad,
                mode: CropMode::Random,
            }),
            flip: true,
            normalization,
        }
    }

    /// Evaluation on small images: the pixels as they are.
    pub fn eval_small(normalization: Normalization) -> Self {
        Self {
            resize: Resize::None,
            crop: None,
            flip: false,
            normalization,
        }
    }

    /// The deterministic part: the resized image (what the cache stores).
    pub fn prepare(&self, img: &RgbImage) -> RgbImage {
        match self.resize {
            Resize::None => img.clone(),
            Resize::Exact { width, height } => resize_bilinear(img, width, height),
            Resize::ShorterSide(n) => {
                let (w, h) = shorter_side_size(img.width, img.height, n);
                resize_bilinear(img, w, h)
            }
        }
    }

    /// Output (width, height) for a prepared image of size (`w`, `h`).
    pub fn output_size(&self, w: u32, h: u32) -> (u32, u32) {
        self.crop.map_or((w, h), |c| (c.width, c.height))
    }

    /// Output (width, height) when it does not depend on the input, for fixed-shape batches.
    pub fn fixed_output_size(&self) -> Option<(u32, u32)> {
        match (self.crop, self.resize) {
            (Some(c), _) => Some((c.width, c.height)),
            (None, Resize::Exact { width, height }) => Some((width, height)),
            _ => None,
        }
    }

    /// Crops, flips and normalises a prepared image into `out` (CHW, length `3 * h * w` of the output
    /// size). The random choices come from `seed` alone, so a sample's augmentation does not depend on
    /// which thread handles it. Errors when the crop does not fit or `out` has the wrong length.
    pub fn finish_into(&self, img: &RgbImage, seed: u64, out: &mut [f32]) -> Result<()> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (ow, oh) = self.output_size(img.width, img.height);
        if out.len() != 3 * ow as usize * oh as usize {
            return Err(DataError::Invalid(format!(
                "output buffer holds {} values, the {ow} x {oh} output needs {}",
                out.len(),
                3 * ow as usize * oh as usize
            )));
        }
        let (x0, y0, pad) = self.crop_origin(img, &mut rng)?;
        let flip = self.flip && rng.random_bool(0.5);
        let table = self.normalization.table();
        let plane = ow as usize * oh as usize;
        for y in 0..oh as usize {
            for x in 0..ow as usize {
                let sx = if flip { ow as usize - 1 - x } else { x };
                let px = padded_pixel(img, (x0 + sx) as i64 - pad, (y0 + y) as i64 - pad);
                for c in 0..3 {
                    out[c * plane + y * ow as usize + x] = table[c][px[c] as usize];
                }
            }
        }
        Ok(())
    }

    /// [`Self::prepare`] then [`Self::finish_into`] into a new vector.
    pub fn apply(&self, img: &RgbImage, seed: u64) -> Result<Vec<f32>> {
        let prepared = self.prepare(img);
        let (w, h) = self.output_size(prepared.width, prepared.height);
        let mut out = vec![0.0; 3 * w as usize * h as usize];
        self.finish_into(&prepared, seed, &mut out)?;
        Ok(out)
    }

    /// Top-left corner of the crop in padded coordinates, and the padding.
    fn crop_origin(&self, img: &RgbImage, rng: &mut ChaCha8Rng) -> Result<(usize, usize, i64)> {
        let Some(c) = self.crop else {
            return Ok((0, 0, 0));
        };
        let (pw, ph) = (img.width + 2 * c.pad, img.height + 2 * c.pad);
        if c.width > pw || c.height > ph {
            return Err(DataError::Invalid(format!(
                "crop {} x {} does not fit a {} x {} image (padding {})",
                c.width, c.height, img.width, img.height, c.pad
            )));
        }
        let (x0, y0) = match c.mode {
            CropMode::Center => (center_offset(pw, c.width), center_offset(ph, c.height)),
            CropMode::Random => (
                rng.random_range(0..=pw - c.width),
                rng.random_range(0..=ph - c.height),
            ),
        };
        Ok((x0 as usize, y0 as usize, i64::from(c.pad)))
    }
}

/// torchvision's centre-crop offset: `int(round((size - crop) / 2.0))`, Python rounding (ties to even).
fn center_offset(size: u32, crop: u32) -> u32 {
    (f64::from(size - crop) / 2.0).round_ties_even() as u32
}

fn padded_pixel(img: &RgbImage, x: i64, y: i64) -> [u8; 3] {
    if x < 0 || y < 0 || x >= i64::from(img.width) || y >= i64::from(img.height) {
        [0, 0, 0]
    } else {
        img.pixel(x as u32, y as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: u32, h: u32) -> RgbImage {
        let pixels = (0..w * h)
            .flat_map(|i| [(i % 256) as u8, (i / 3 % 256) as u8, 9])
            .collect();
        RgbImage::new(w, h, pixels).unwrap()
    }

    #[test]
    fn centre_crop_takes_the_middle_and_chw_order() {
        let img = ramp(6, 4);
        let t = TransformConfig {
            resize: Resize::None,
            crop: Some(Crop {
                width: 2,
                height: 2,
                pad: 0,
                mode: CropMode::Center,
            }),
            flip: false,
            normalization: Normalization::Affine {
                offset: 0.0,
                divisor: 1.0,
            },
        };
        let out = t.apply(&img, 0).unwrap();
        // offsets (2, 1): pixels (2,1) (3,1) (2,2) (3,2) -> indices 8, 9, 14, 15
        assert_eq!(&out[..4], &[8.0, 9.0, 14.0, 15.0]);
        assert_eq!(&out[8..], &[9.0; 4]);
    }

    #[test]
    fn centre_offset_rounds_half_to_even() {
        assert_eq!(center_offset(256, 224), 16);
        assert_eq!(center_offset(5, 2), 2); // 1.5 -> 2
        assert_eq!(center_offset(7, 2), 2); // 2.5 -> 2
    }

    #[test]
    fn same_seed_same_augmentation_and_flip_happens() {
        let img = ramp(10, 10);
        let t = TransformConfig::train_small(8, 2, Normalization::unit());
        assert_eq!(t.apply(&img, 42).unwrap(), t.apply(&img, 42).unwrap());
        let distinct: std::collections::HashSet<Vec<u32>> = (0..50)
            .map(|s| {
                t.apply(&img, s)
                    .unwrap()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect()
            })
            .collect();
        assert!(
            distinct.len() > 10,
            "only {} distinct augmentations",
            distinct.len()
        );
    }

    #[test]
    fn flip_mirrors_rows() {
        let img = ramp(4, 1);
        let t = TransformConfig {
            resize: Resize::None,
            crop: None,
            flip: true,
            normalization: Normalization::Affine {
                offset: 0.0,
                divisor: 1.0,
            },
        };
        let outs: Vec<Vec<f32>> = (0..20).map(|s| t.apply(&img, s).unwrap()).collect();
        assert!(outs.iter().any(|o| o[..4] == [0.0, 1.0, 2.0, 3.0]));
        assert!(outs.iter().any(|o| o[..4] == [3.0, 2.0, 1.0, 0.0]));
    }

    #[test]
    fn padding_is_zero() {
        let img = RgbImage::new(1, 1, vec![200, 200, 200]).unwrap();
        let t = TransformConfig {
            resize: Resize::None,
            crop: Some(Crop {
                width: 3,
                height: 3,
                pad: 1,
                mode: CropMode::Center,
            }),
            flip: false,
            normalization: Normalization::Affine {
                offset: 0.0,
                divisor: 1.0,
            },
        };
        let out = t.apply(&img, 0).unwrap();
        assert_eq!(&out[..9], &[0.0, 0.0, 0.0, 0.0, 200.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn crop_too_big_is_an_error() {
        let t = TransformConfig::train_small(30, 0, Normalization::unit());
        assert!(t.apply(&ramp(28, 28), 1).is_err());
    }

    #[test]
    fn eval_224_gives_224_square() {
        let t = TransformConfig::eval_224(Normalization::imagenet());
        let out = t.apply(&ramp(500, 375), 0).unwrap();
        assert_eq!(out.len(), 3 * 224 * 224);
        assert_eq!(t.fixed_output_size(), Some((224, 224)));
    }
}
