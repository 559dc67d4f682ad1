//! Bilinear antialiased resizing, bit-exact with Pillow's `Image.resize(size, BILINEAR)`, which is
//! what torchvision's `Resize` does on PIL images.
//!
//! A port of Pillow's `Resample.c`: a triangle filter whose support is stretched by the scale factor
//! when shrinking (antialiasing), coefficients in 22-bit fixed point, a horizontal pass into an 8-bit
//! intermediate image, then a vertical pass. `fast_image_resize`'s bilinear convolution uses 16-bit
//! coefficients (as Pillow-SIMD) and so differs by one level on some pixels; this port does not.

use crate::rgb::RgbImage;

const PRECISION_BITS: u32 = 32 - 8 - 2;

/// The filter taps of one output pixel: first input index and fixed-point weights.
struct Taps {
    first: usize,
    weights: Vec<i32>,
}

fn triangle(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 { 1.0 - x } else { 0.0 }
}

/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for one axis.
fn coefficients(in_size: usize, out_size: usize) -> Vec<Taps> {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = filterscale; // bilinear support 1.0, stretched
    (0..out_size)
        .map(|xx| {
            let center = (xx as f64 + 0.5) * scale;
            let ss = 1.0 / filterscale;
            let xmin = ((center - support + 0.5) as i64).max(0) as usize;
            let xmax = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
            let raw: Vec<f64> = (xmin..xmax)
                .map(|x| triangle((x as f64 - center + 0.5) * ss))
                .collect();
            let total: f64 = raw.iter().sum();
            let weights = raw
                .iter()
                .map(|&w| {
                    let w = if total != 0.0 { w / total } else { w };
                    let scaled = w * f64::from(1u32 << PRECISION_BITS);
                    if w < 0.0 {
                        (scaled - 0.5) as i32
                    } else {
                        (scaled + 0.5) as i32
                    }
                })
                .collect();
            Taps {
                first: xmin,
                weights,
            }
        })
        .collect()
}

fn clip8(acc: i32) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}

fn horizontal(src: &RgbImage, out_w: usize) -> RgbImage {
    let taps = coefficients(src.width as usize, out_w);
    let (w, h) = (src.width as usize, src.height as usize);
    let mut out = vec![0u8; out_w * h * 3];
    for (row_in, row_out) in src
        .pixels
        .chunks_exact(w * 3)
        .zip(out.chunks_exact_mut(out_w * 3))
    {
        for (t, px) in taps.iter().zip(row_out.chunks_exact_mut(3)) {
            let mut acc = [1i32 << (PRECISION_BITS - 1); 3];
            for (i, &k) in t.weights.iter().enumerate() {
                let p = &row_in[(t.first + i) * 3..(t.first + i) * 3 + 3];
                for c in 0..3 {
                    acc[c] += i32::from(p[c]) * k;
                }
            }
            for c in 0..3 {
                px[c] = clip8(acc[c]);
            }
        }
    }
    RgbImage {
        width: out_w as u32,
        height: h as u32,
        pixels: out,
    }
}

fn vertical(src: &RgbImage, out_h: usize) -> RgbImage {
    let taps = coefficients(src.height as usize, out_h);
    let stride = src.width as usize * 3;
    let mut out = vec![0u8; stride * out_h];
    for (t, row_out) in taps.iter().zip(out.chunks_exact_mut(stride)) {
        let mut acc = vec![1i32 << (PRECISION_BITS - 1); stride];
        for (i, &k) in t.weights.iter().enumerate() {
            let row_in = &src.pixels[(t.first + i) * stride..(t.first + i + 1) * stride];
            for (a, &p) in acc.iter_mut().zip(row_in) {
                *a += i32::from(p) * k;
            }
        }
        for (o, &a) in row_out.iter_mut().zip(&acc) {
            *o = clip8(a);
        }
    }
    RgbImage {
        width: src.width,
        height: out_h as u32,
        pixels: out,
    }
}

/// Which Pillow's order of the two passes to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PassOrder {
    /// Pillow 13 and newer: vertical first when `in_h - out_h > 0` and
    /// `in_h - out_h > 2 * (in_w - out_w)`, else horizontal first.
    #[default]
    Pillow13,
    /// Pillow 7 to 12: always horizontal first.
    HorizontalFirst,
}

impl PassOrder {
    fn vertical_first(self, in_w: u32, in_h: u32, out_w: u32, out_h: u32) -> bool {
        let dy = i64::from(in_h) - i64::from(out_h);
        let dx = i64::from(in_w) - i64::from(out_w);
        self == Self::Pillow13 && dy > 0 && dy > dx * 2
    }
}

/// Resizes `src` to `width` x `height` exactly as Pillow 13's `resize((width, height), BILINEAR)`
/// (and so torchvision's `Resize` on PIL images). Zero sizes give an all-zero image.
pub fn resize_bilinear(src: &RgbImage, width: u32, height: u32) -> RgbImage {
    resize_bilinear_with(src, width, height, PassOrder::default())
}

/// As [`resize_bilinear`] with the pass order of a given Pillow version; each pass is skipped when
/// its size is unchanged.
pub fn resize_bilinear_with(src: &RgbImage, width: u32, height: u32, order: PassOrder) -> RgbImage {
    if width == 0 || height == 0 || src.width == 0 || src.height == 0 {
        return RgbImage {
            width,
            height,
            pixels: vec![0; width as usize * height as usize * 3],
        };
    }
    let h_pass = |img: RgbImage| {
        if width != img.width {
            horizontal(&img, width as usize)
        } else {
            img
        }
    };
    let v_pass = |img: RgbImage| {
        if height != img.height {
            vertical(&img, height as usize)
        } else {
            img
        }
    };
    if order.vertical_first(src.width, src.height, width, height) {
        h_pass(v_pass(src.clone()))
    } else {
        v_pass(h_pass(src.clone()))
    }
}

/// torchvision's output size for `Resize(size)` with an int: the shorter side becomes `size`, the
/// longer one `int(size * long / short)` (truncated), keeping the orientation.
pub fn shorter_side_size(width: u32, height: u32, size: u32) -> (u32, u32) {
    let (short, long) = if width <= height {
        (width, height)
    } else {
        (height, width)
    };
    if short == 0 {
        return (width, height);
    }
    let new_long = (u64::from(size) * u64::from(long) / u64::from(short)) as u32;
    if width <= height {
        (size, new_long)
    } else {
        (new_long, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_image_stays_constant() {
        let src = RgbImage::new(37, 23, [7u8, 100, 250].repeat(37 * 23)).unwrap();
        for (w, h) in [(256, 256), (5, 3), (37, 50), (100, 23)] {
            let out = resize_bilinear(&src, w, h);
            assert_eq!((out.width, out.height), (w, h));
            assert!(out.pixels.chunks(3).all(|p| p == [7, 100, 250]));
        }
    }

    #[test]
    fn same_size_is_identity() {
        let pixels: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 7 % 256) as u8).collect();
        let src = RgbImage::new(4, 3, pixels).unwrap();
        assert_eq!(resize_bilinear(&src, 4, 3), src);
    }

    #[test]
    fn halving_averages_pairs_with_triangle_weights() {
        // 4 -> 2 pixels: support 2, weights over inputs (0,1,2) for output 0 are 1/4, 1/2... check
        // against a hand computation: center 1.0, taps x=0..3 at distances 0.5,0.5,1.5 scaled by
        // 1/2 -> 0.75, 0.75, 0.25 normalised by 1.75.
        let src = RgbImage::from_grey(4, 1, &[0, 70, 140, 210]).unwrap();
        let out = resize_bilinear(&src, 2, 1);
        let expected0 = ((0.0 * 0.75 + 70.0 * 0.75 + 140.0 * 0.25) / 1.75_f64).round() as u8;
        assert_eq!(out.pixel(0, 0)[0], expected0);
    }

    #[test]
    fn shorter_side_matches_torchvision_rule() {
        assert_eq!(shorter_side_size(500, 375, 256), (341, 256));
        assert_eq!(shorter_side_size(375, 500, 256), (256, 341));
        assert_eq!(shorter_side_size(256, 256, 256), (256, 256));
    }
}
