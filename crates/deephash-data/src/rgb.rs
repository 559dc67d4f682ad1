//! An 8-bit RGB image in memory: the one pixel type the pipeline passes between steps.

/// An interleaved 8-bit RGB image (row-major, `R G B` per pixel), as decoded and resized, before
/// normalisation. Kept framework-free so every crate can hold one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes, row by row.
    pub pixels: Vec<u8>,
}

impl RgbImage {
    /// Wraps `pixels`; `None` when the length is not `width * height * 3`.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Option<Self> {
        (pixels.len() as u64 == u64::from(width) * u64::from(height) * 3).then_some(Self {
            width,
            height,
            pixels,
        })
    }

    /// An RGB image from 8-bit grey pixels (each value copied to R, G and B, as PIL's
    /// `convert("RGB")` does); `None` when the length is not `width * height`.
    pub fn from_grey(width: u32, height: u32, grey: &[u8]) -> Option<Self> {
        if grey.len() as u64 != u64::from(width) * u64::from(height) {
            return None;
        }
        let pixels = grey.iter().flat_map(|&g| [g, g, g]).collect();
        Some(Self {
            width,
            height,
            pixels,
        })
    }

    /// The three bytes of pixel (`x`, `y`); panics when out of range (internal use with checked bounds).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }
}
