use std::io::Cursor;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::{Arc, Mutex};

use image::{ImageFormat, RgbImage};
use lru::LruCache;

use crate::{DecodeError, Item, decode_image};

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

    /// The thumbnail of item `index` made from `item`'s pixels or image file: from the
    /// cache, or decoded, resized and stored. Blocking: call off the async runtime.
    pub fn get_or_make(&self, index: usize, item: &Item) -> Result<Thumbnail, DecodeError> {
        if let Some(hit) = self.cached(index) {
            return Ok(hit);
        }
        let jpeg = match &item.pixels {
            Some(pixels) => jpeg_thumbnail(pixels, self.size)?,
            None => make_thumbnail(&item.path, self.size, self.max_pixels)?,
        };
        let thumb = Arc::new(jpeg);
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
    jpeg_thumbnail(&image.to_rgb8(), size)
}

/// A JPEG no larger than `size`×`size` of decoded pixels, aspect kept.
pub fn jpeg_thumbnail(image: &RgbImage, size: u32) -> Result<Vec<u8>, DecodeError> {
    let small = image::DynamicImage::ImageRgb8(image.clone())
        .thumbnail(size, size)
        .to_rgb8();
    let mut out = Cursor::new(Vec::new());
    small
        .write_to(&mut out, ImageFormat::Jpeg)
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_in_memory_get_thumbnails_from_their_pixels() {
        let pixels =
            image::RgbImage::from_fn(28, 20, |x, y| image::Rgb([x as u8 * 9, y as u8 * 12, 7]));
        let item = Item {
            path: "train/00042".into(),
            label: None,
            pixels: Some(Arc::new(pixels)),
        };
        let cache = ThumbnailCache::new(16, NonZeroUsize::new(2).unwrap(), 1_000_000);
        let jpeg = cache.get_or_make(3, &item).unwrap();
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
        let back = image::load_from_memory(&jpeg).unwrap();
        assert_eq!(
            (back.width(), back.height()),
            (16, 11),
            "fits 16 x 16, aspect kept"
        );
        assert_eq!(cache.cached(3).unwrap(), jpeg);
        let missing = Item::file("/no/such/image.png", None);
        assert!(matches!(
            cache.get_or_make(4, &missing),
            Err(DecodeError::Io { .. })
        ));
    }
}
