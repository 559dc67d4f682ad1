//! Listing the image files under a folder, in a stable order.

use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};

/// File name extensions (lower case) treated as images.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png"];

/// Whether `path` has an image extension (case-insensitive).
pub fn is_image_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Every image file under `root` (recursively, following no symbolic links out of the walk order),
/// as paths relative to `root`, sorted by the bytes of the relative path so the order is the same on
/// every machine. Hidden entries (names starting with `.`) are skipped.
pub fn list_images(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(root, Path::new(""), &mut out)?;
    out.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(out)
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let dir = root.join(rel);
    let entries = std::fs::read_dir(&dir).map_err(|e| DataError::io(&dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| DataError::io(&dir, e))?;
        let name = entry.file_name();
        if name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let rel_child = rel.join(&name);
        let meta = std::fs::metadata(entry.path()).map_err(|e| DataError::io(entry.path(), e))?;
        if meta.is_dir() {
            walk(root, &rel_child, out)?;
        } else if meta.is_file() && is_image_file(&rel_child) {
            out.push(rel_child);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_images_sorted_by_bytes_and_skips_others() {
        let dir = tempfile::tempdir().unwrap();
        for p in [
            "b/x.JPG",
            "a/z.png",
            "a/Y.jpeg",
            "B.png",
            "notes.txt",
            ".hidden/q.png",
        ] {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"").unwrap();
        }
        let got = list_images(dir.path()).unwrap();
        let got: Vec<String> = got
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        assert_eq!(got, ["B.png", "a/Y.jpeg", "a/z.png", "b/x.JPG"]);
    }

    #[test]
    fn missing_folder_names_it() {
        let err = list_images(Path::new("/nonexistent/deephash-x")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/deephash-x"), "{err}");
    }
}
