//! The report's thumbnails of decoded images.

use deephash_data::{RgbImage, resize_bilinear};
use deephash_report::{ReportError, Thumbnail};

/// Side of the report's thumbnails, in pixels.
pub const THUMB_SIDE: u32 = 64;

/// A report thumbnail of a decoded image: its shorter side scaled to [`THUMB_SIDE`] and
/// centre-cropped to a square (small images such as Fashion-MNIST are kept as they are).
pub fn thumbnail(img: &RgbImage) -> Result<Thumbnail, ReportError> {
    let side = img.width.min(img.height);
    if side == 0 {
        return Err(ReportError::InvalidData(
            "an image without pixels has no thumbnail".into(),
        ));
    }
    let (x0, y0) = ((img.width - side) / 2, (img.height - side) / 2);
    let mut square = Vec::with_capacity(side as usize * side as usize * 3);
    for y in y0..y0 + side {
        let start = ((y * img.width + x0) * 3) as usize;
        square.extend_from_slice(&img.pixels[start..start + side as usize * 3]);
    }
    let square = RgbImage {
        width: side,
        height: side,
        pixels: square,
    };
    let small = if side > THUMB_SIDE {
        resize_bilinear(&square, THUMB_SIDE, THUMB_SIDE)
    } else {
        square
    };
    Thumbnail::from_rgb(small.width, small.height, &small.pixels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_are_square_and_small() {
        let img = RgbImage {
            width: 200,
            height: 100,
            pixels: vec![7; 200 * 100 * 3],
        };
        let t = thumbnail(&img).unwrap();
        assert_eq!((t.width(), t.height()), (THUMB_SIDE, THUMB_SIDE));
        let tiny = RgbImage::from_grey(28, 28, &[9; 28 * 28]).unwrap();
        assert_eq!(thumbnail(&tiny).unwrap().width(), 28);
        let empty = RgbImage {
            width: 0,
            height: 3,
            pixels: vec![],
        };
        assert!(thumbnail(&empty).is_err());
    }
}
