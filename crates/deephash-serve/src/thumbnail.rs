use std::io::Cursor;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::{Arc, Mutex};

use image::ImageFormat;
use lru::LruCache;

use crate::{DecodeError, decode_image};

/// A JPEG thumbnail, shared between the cache and responses.
pub type Thumbnail = Arc<Vec<u8>>;

/// Makes thumbnails of item images on demand and keeps the most recently used
/// ones in memory, so a result grid costs one decode per image, not per view.
#[derive(Debug)]
pub struct ThumbnailCache {
    size: u32,
    max_pixels: u64,
    cache: Mutex<LruCache<usize, Thumbnail>>,
}

impl ThumbnailCache {
    /// Thumbnails of at most `size`×`size` pixels; `capacity` kept in memory;
    /// source images beyond `max_pixels` are refused.
    pub fn new(size: u32, capacity: NonZeroUsize, max_pixels: u64) -> Self {
        Self {
            size,
            max_pixels,
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The cached thumbnail of item `index`, if present.
    pub fn cached(&self, index: usize) -> Option<Thumbnail> {
        self.cache.lock().ok()?.get(&index).cloned()
    }

    /// The thumbnail of item `index` made from the image file `path`: from the
    /// cache, or decoded, resized and stored. Blocking: call off the async runtime.
    pub fn get_or_make(&self, index: usize, path: &Path) -> Result<Thumbnail, DecodeError> {
        if let Some(hit) = self.cached(index) {
            return Ok(hit);
        }
        let thumb = Arc::new(make_thumbnail(path, self.size, self.max_pixels)?);
        if let Ok(mut cache) = self.cache.lock() {
            cache.put(index, thumb.clone());
        }
        Ok(thumb)
    }

    /// Number of thumbnails held in memory.
    pub fn len(&self) -> usize {
        self.cache.lock().map_or(0, |c| c.len())
    }

    /// True when no thumbnail is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads an image file and writes a JPEG no larger than `size`×`size`, aspect kept.
pub fn make_thumbnail(path: &Path, size: u32, max_pixels: u64) -> Result<Vec<u8>, DecodeError> {
    let bytes = std::fs::read(path).map_err(|source| DecodeError::Io {
        path: path.to_owned(),
        source,
    })?;
    let image = decode_image(&bytes, max_pixels)?;
    let small = image.thumbnail(size, size).to_rgb8();
    let mut out = Cursor::new(Vec::new());
    small
        .write_to(&mut out, ImageFormat::Jpeg)
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    Ok(out.into_inner())
}
