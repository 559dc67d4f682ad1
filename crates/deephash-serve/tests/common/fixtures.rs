//! A small generated image database: PNG files of five visual classes, their
//! fake codes and labels, written to a temporary folder by the tests.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;

use deephash_codes::CodeMatrix;
use deephash_serve::{Access, AppState, Catalog, Item, Limits};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

use super::{FakeEncoder, Gate, average_hash};

/// Class names of the generated images.
pub const CLASSES: [&str; 5] = ["stripes", "bars", "checker", "ring", "corner"];

/// A 64x64 image of class `class`, variant `variant` (shifts and colours).
pub fn make_image(class: usize, variant: usize) -> DynamicImage {
    let (w, h) = (64u32, 64u32);
    let shift = variant as u32 * 3;
    let tint = [
        (variant * 37 % 200) as u8 + 40,
        (variant * 91 % 200) as u8 + 40,
        180,
    ];
    let img = RgbImage::from_fn(w, h, |x, y| {
        let on = match class {
            0 => ((y + shift) / 8).is_multiple_of(2),
            1 => ((x + shift) / 8).is_multiple_of(2),
            2 => (((x + shift) / 16) + (y / 16)).is_multiple_of(2),
            3 => {
                let (dx, dy) = (x as i32 - 32 - variant as i32, y as i32 - 32);
                let r2 = dx * dx + dy * dy;
                (200..700).contains(&r2)
            }
            _ => x + y < 40 + shift,
        };
        if on { Rgb(tint) } else { Rgb([15, 15, 20]) }
    });
    DynamicImage::ImageRgb8(img)
}

/// PNG bytes of an image.
pub fn png_bytes(image: &DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A database of `per_class` images per class in `dir`.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub paths: Vec<PathBuf>,
    pub labels: Vec<String>,
    pub codes: Vec<Vec<u8>>,
}

impl Fixture {
    pub fn new(per_class: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (mut paths, mut labels, mut codes) = (Vec::new(), Vec::new(), Vec::new());
        for variant in 0..per_class {
            for (class, name) in CLASSES.iter().enumerate() {
                let image = make_image(class, variant);
                let path = dir.path().join(format!("{name}-{variant}.png"));
                image.save(&path).unwrap();
                codes.push(average_hash(&image));
                paths.push(path);
                labels.push((*name).to_owned());
            }
        }
        Self {
            dir,
            paths,
            labels,
            codes,
        }
    }

    pub fn catalog(&self) -> Catalog {
        let packed: Vec<u8> = self.codes.concat();
        let matrix = CodeMatrix::from_packed(64, packed).unwrap();
        let items = self
            .paths
            .iter()
            .zip(&self.labels)
            .map(|(path, label)| Item::file(path.clone(), Some(label.clone())))
            .collect();
        Catalog::new(matrix, items).unwrap()
    }

    /// Shared state with a fake encoder; returns the encoder's gate too.
    pub fn state(&self, limits: Limits) -> (Arc<AppState>, Arc<Gate>) {
        self.state_with(limits, Access::default())
    }

    /// Like `state`, with access rules (token, CORS).
    pub fn state_with(&self, limits: Limits, access: Access) -> (Arc<AppState>, Arc<Gate>) {
        let (encoder, gate) = FakeEncoder::new(limits.max_pixels);
        let state =
            AppState::with_access(self.catalog(), Arc::new(encoder), limits, access).unwrap();
        (state, gate)
    }
}
