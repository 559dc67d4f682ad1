//! Small images embedded in the page as PNG `data:` URIs.

use base64::Engine;

use crate::ReportError;

/// A small image, already encoded as PNG, to embed in the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    png: Vec<u8>,
    width: u32,
    height: u32,
}

impl Thumbnail {
    /// Encodes 8-bit greyscale pixels (row-major, `width * height` bytes).
    pub fn from_gray(width: u32, height: u32, pixels: &[u8]) -> Result<Self, ReportError> {
        Self::encode(width, height, pixels, png::ColorType::Grayscale, 1)
    }

    /// Encodes 8-bit RGB pixels (row-major, `width * height * 3` bytes).
    pub fn from_rgb(width: u32, height: u32, pixels: &[u8]) -> Result<Self, ReportError> {
        Self::encode(width, height, pixels, png::ColorType::Rgb, 3)
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The PNG file's bytes.
    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// `data:image/png;base64,…`: the image as a URI that needs no file and no network.
    pub fn data_uri(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.png);
        format!("data:image/png;base64,{b64}")
    }

    fn encode(
        width: u32,
        height: u32,
        pixels: &[u8],
        color: png::ColorType,
        channels: usize,
    ) -> Result<Self, ReportError> {
        let fail = |message: String| ReportError::Thumbnail {
            width,
            height,
            message,
        };
        let expected = width as usize * height as usize * channels;
        if width == 0 || height == 0 || pixels.len() != expected {
            return Err(fail(format!(
                "{} bytes of pixels, expected {expected}",
                pixels.len()
            )));
        }
        let mut png_bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut png_bytes, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
        writer
            .write_image_data(pixels)
            .map_err(|e| fail(e.to_string()))?;
        writer.finish().map_err(|e| fail(e.to_string()))?;
        Ok(Self {
            png: png_bytes,
            width,
            height,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_png_that_decodes_to_the_same_pixels() {
        let pixels: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 7) as u8).collect();
        let t = Thumbnail::from_rgb(4, 3, &pixels).unwrap();
        assert_eq!(&t.png()[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(t.png()));
        let mut reader = decoder.read_info().unwrap();
        let mut out = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut out).unwrap();
        assert_eq!((info.width, info.height), (4, 3));
        assert_eq!(&out[..info.buffer_size()], &pixels[..]);
        assert!(
            t.data_uri()
                .starts_with("data:image/png;base64,iVBORw0KGgo")
        );
    }

    #[test]
    fn rejects_a_wrong_pixel_count() {
        let err = Thumbnail::from_gray(28, 28, &[0; 100]).unwrap_err();
        assert!(err.to_string().contains("784"), "{err}");
        assert!(Thumbnail::from_gray(0, 0, &[]).is_err());
    }
}
