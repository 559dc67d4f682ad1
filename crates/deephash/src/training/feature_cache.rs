//! The frozen mode's feature cache: where the backbone features of a run's training split
//! are kept (`CACHE/features/<hash>-<view>.f32`) and the key that says when they are stale.

use std::path::{Path, PathBuf};

use deephash_train::RunDir;

/// The key of a backbone's features of a training source: the backbone, the contents of its
/// weights ([`weights_fingerprint`]), the source's own key (data set and split) and the
/// number of images (which `max_per_class` and skipped bad images change).
pub fn feature_key(
    backbone: &str,
    weights: Option<&Path>,
    source_key: &str,
    images: usize,
) -> String {
    let weights = weights.map(weights_fingerprint).unwrap_or_default();
    format!("{backbone}|{weights}|{source_key}|{images} images")
}

/// The cache file of `key`'s features named `view` (`eval`, `view0-s0`, …) under `cache`.
pub fn feature_file(cache: &Path, key: &str, view: &str) -> PathBuf {
    cache
        .join("features")
        .join(format!("{:016x}-{view}.f32", fnv(key)))
}

/// Identifies the contents of pretrained weights (a file, or a run's model file) for cache
/// keys: path, size and modification time, so retraining a run invalidates features computed
/// from it.
pub fn weights_fingerprint(weights: &Path) -> String {
    let file = if weights.is_dir() {
        RunDir::open(weights)
            .map(|r| r.model_path())
            .unwrap_or_else(|_| weights.to_path_buf())
    } else {
        weights.to_path_buf()
    };
    let meta = std::fs::metadata(&file).ok();
    let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
    let modified = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}#{size}#{modified}", file.display())
}

/// FNV-1a of a string (cache file names; stable across versions, unlike `std`'s hasher).
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_changes_with_the_weights_contents_and_the_images() {
        let dir = tempfile::tempdir().unwrap();
        let w = dir.path().join("w.pth");
        std::fs::write(&w, b"one").unwrap();
        let before = feature_key("resnet18", Some(&w), "cub:train", 10);
        std::fs::write(&w, b"other weights").unwrap();
        let after = feature_key("resnet18", Some(&w), "cub:train", 10);
        assert_ne!(before, after, "new contents, new key");
        assert_ne!(after, feature_key("resnet18", Some(&w), "cub:train", 9));
        assert_eq!(
            feature_file(Path::new("c"), &after, "eval"),
            feature_file(Path::new("c"), &after, "eval")
        );
        assert_ne!(
            feature_file(Path::new("c"), &after, "eval"),
            feature_file(Path::new("c"), &before, "eval")
        );
    }

    #[test]
    fn fnv_matches_the_reference_values() {
        // The FNV-1a 64 test vectors: cache file names stay what earlier versions wrote.
        assert_eq!(fnv(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
