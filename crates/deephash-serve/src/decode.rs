use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

use crate::DecodeError;

/// Guesses the format of an encoded image and reads its declared size without
/// decoding the pixels, so oversized images are refused cheaply.
pub fn probe_image(bytes: &[u8], max_pixels: u64) -> Result<(ImageFormat, u32, u32), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let format = image::guess_format(bytes).map_err(|_| DecodeError::UnknownFormat)?;
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader.into_dimensions().map_err(classify)?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeError::TooManyPixels {
            width,
            height,
            max_pixels,
        });
    }
    Ok((format, width, height))
}

/// Decodes an image file held in memory, refusing images with more than
/// `max_pixels` pixels before any pixel memory is allocated.
pub fn decode_image(bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, DecodeError> {
    let (format, _, _) = probe_image(bytes, max_pixels)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    // 4 channels of 32-bit floats is the widest pixel the decoders produce.
    limits.max_alloc = Some(max_pixels.saturating_mul(16).max(1 << 20));
    reader.limits(limits);
    reader.decode().map_err(classify)
}

/// A decoder error as the client's problem: over a limit (413) or broken (422).
fn classify(err: image::ImageError) -> DecodeError {
    match err {
        image::ImageError::Limits(_) => DecodeError::OverLimit(err.to_string()),
        _ => DecodeError::Corrupt(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(width, height);
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn decodes_within_the_limit_and_refuses_beyond() {
        let bytes = png(40, 30);
        assert_eq!(decode_image(&bytes, 1200).unwrap().width(), 40);
        let err = decode_image(&bytes, 1199).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::TooManyPixels {
                    width: 40,
                    height: 30,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn classifies_bad_bytes() {
        assert!(matches!(decode_image(b"", 100), Err(DecodeError::Empty)));
        assert!(matches!(
            decode_image(b"hello world", 100),
            Err(DecodeError::UnknownFormat)
        ));
        let mut truncated = png(16, 16);
        truncated.truncate(40);
        assert!(matches!(
            decode_image(&truncated, 1000),
            Err(DecodeError::Corrupt(_))
        ));
    }
}
