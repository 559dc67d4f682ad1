//! Decoding JPEG and PNG files to RGB, with a guard against decompression bombs.

use std::io::Cursor;
use std::path::Path;

use image::{ImageDecoder, ImageReader};

use crate::error::{DataError, Result};
use crate::rgb::RgbImage;

/// Default largest number of pixels accepted (about 89.5 megapixels, PIL's own
/// `MAX_IMAGE_PIXELS` bomb threshold).
pub const DEFAULT_MAX_PIXELS: u64 = 89_478_485;

/// Decodes the image file at `path` (JPEG or PNG; greyscale, palette, alpha, CMYK, 16-bit) to 8-bit
/// RGB, as PIL's `Image.open(p).convert("RGB")` does: grey copied to the three channels, alpha
/// dropped (not composited), no EXIF rotation. Images over `max_pixels` are refused before decoding.
pub fn decode_file(path: &Path, max_pixels: u64) -> Result<RgbImage> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    decode_bytes(&bytes, path, max_pixels)
}

/// As [`decode_file`] for bytes already in memory; `name` is used in errors only.
pub fn decode_bytes(bytes: &[u8], name: &Path, max_pixels: u64) -> Result<RgbImage> {
    let err = |e: image::ImageError| DataError::Decode {
        path: name.to_path_buf(),
        message: e.to_string(),
    };
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DataError::io(name, e))?;
    let mut decoder = reader.into_decoder().map_err(err)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DataError::TooLarge {
            path: name.to_path_buf(),
            width,
            height,
            limit: max_pixels,
        });
    }
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(16).max(1 << 20));
    decoder.set_limits(limits).map_err(err)?;
    let img = image::DynamicImage::from_decoder(decoder).map_err(err)?;
    let rgb = img.into_rgb8();
    let (w, h) = rgb.dimensions();
    RgbImage::new(w, h, rgb.into_raw()).ok_or_else(|| DataError::Decode {
        path: name.to_path_buf(),
        message: "decoder returned a buffer of the wrong size".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_bytes(img: image::DynamicImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn grey_png_is_copied_to_three_channels() {
        let grey = image::GrayImage::from_raw(2, 1, vec![10, 200]).unwrap();
        let rgb = decode_bytes(
            &png_bytes(grey.into()),
            Path::new("g.png"),
            DEFAULT_MAX_PIXELS,
        )
        .unwrap();
        assert_eq!(rgb.pixels, [10, 10, 10, 200, 200, 200]);
    }

    #[test]
    fn alpha_is_dropped_not_composited() {
        let rgba = image::RgbaImage::from_raw(1, 1, vec![9, 8, 7, 0]).unwrap();
        let rgb = decode_bytes(
            &png_bytes(rgba.into()),
            Path::new("a.png"),
            DEFAULT_MAX_PIXELS,
        )
        .unwrap();
        assert_eq!(rgb.pixels, [9, 8, 7]);
    }

    #[test]
    fn truncated_file_is_an_error_naming_it() {
        let rgb = image::RgbImage::from_pixel(64, 64, image::Rgb([1, 2, 3]));
        let bytes = png_bytes(rgb.into());
        let err = decode_bytes(
            &bytes[..bytes.len() / 2],
            Path::new("cut.png"),
            DEFAULT_MAX_PIXELS,
        )
        .unwrap_err();
        assert!(err.to_string().contains("cut.png"), "{err}");
    }

    #[test]
    fn garbage_is_an_error() {
        let err = decode_bytes(
            b"not an image at all",
            Path::new("x.jpg"),
            DEFAULT_MAX_PIXELS,
        )
        .unwrap_err();
        assert!(err.to_string().contains("x.jpg"), "{err}");
    }

    #[test]
    fn pixel_limit_refuses_before_decoding() {
        let rgb = image::RgbImage::from_pixel(100, 100, image::Rgb([1, 2, 3]));
        let bytes = png_bytes(rgb.into());
        let err = decode_bytes(&bytes, Path::new("big.png"), 9_999).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::TooLarge {
                    width: 100,
                    height: 100,
                    ..
                }
            ),
            "{err}"
        );
        assert!(decode_bytes(&bytes, Path::new("ok.png"), 10_000).is_ok());
    }

    #[test]
    fn missing_file_names_it() {
        let err = decode_file(Path::new("/nonexistent/img.jpg"), DEFAULT_MAX_PIXELS).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/img.jpg"), "{err}");
    }
}
