//! deephash-data: everything between files on disk and batches of `f32` pixels, without a
//! deep-learning framework.
//!
//! - Images: [`list_images`], [`decode_file`] (JPEG/PNG to RGB with a pixel limit),
//!   [`resize_bilinear`] (bit-exact with Pillow / torchvision), [`TransformConfig`] (resize, crop,
//!   flip, [`Normalization`]) producing CHW `f32`.

pub mod decode;
pub mod error;
pub mod files;
pub mod normalize;
pub mod resize;
pub mod rgb;
pub mod transform;

pub use decode::{DEFAULT_MAX_PIXELS, decode_bytes, decode_file};
pub use error::{DataError, Result};
pub use files::{is_image_file, list_images};
pub use normalize::Normalization;
pub use resize::{PassOrder, resize_bilinear, resize_bilinear_with, shorter_side_size};
pub use rgb::RgbImage;
pub use transform::{Crop, CropMode, Resize, TransformConfig};
