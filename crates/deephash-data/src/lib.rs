//! deephash-data: everything between files on disk and batches of `f32` pixels, without a
//! deep-learning framework.
//!
//! - Images: [`list_images`], [`decode_file`] (JPEG/PNG to RGB with a pixel limit),
//!   [`resize_bilinear`] (bit-exact with Pillow / torchvision), [`TransformConfig`] (resize, crop,
//!   flip, [`Normalization`]) producing CHW `f32`.
//! - Data sets: [`Dataset`] of [`Sample`]s, loaded from a [`DatasetSpec`] (`cub`, `dogs`, `folder`,
//!   `list`, `fashion-mnist`; the bundled Fashion-MNIST subset by default).

mod atomic;
pub mod cub;
pub mod dataset;
pub mod decode;
pub mod dogs;
pub mod error;
pub mod fashion;
pub mod fetch;
pub mod files;
pub mod folder;
pub mod idx;
pub mod list;
pub mod mat5;
pub mod normalize;
pub mod resize;
pub mod rgb;
pub mod shard;
pub mod spec;
pub mod split;
pub mod transform;

pub use cub::load_cub;
pub use dataset::{Dataset, ImageSource, Sample, Split};
pub use decode::{DEFAULT_MAX_PIXELS, decode_bytes, decode_file};
pub use dogs::load_dogs;
pub use error::{DataError, Result};
pub use fashion::{FASHION_CLASSES, default_fashion_dir, load_fashion_mnist};
pub use files::{is_image_file, list_images};
pub use folder::load_folder;
pub use list::load_list;
pub use normalize::Normalization;
pub use resize::{PassOrder, resize_bilinear, resize_bilinear_with, shorter_side_size};
pub use rgb::RgbImage;
pub use shard::{Shard, ShardError};
pub use spec::{DatasetKind, DatasetSpec};
pub use split::stratified_split;
pub use transform::{Crop, CropMode, Resize, TransformConfig};
pub mod bench;
pub mod cache;
pub mod loader;
pub mod sampler;

pub use cache::DecodedCache;
pub use loader::{Batch, BatchLoader, LoaderConfig, load_batches, make_batch};
pub use sampler::{epoch_rng, pk_batches, sequential_batches};
