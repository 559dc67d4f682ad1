//! Atomic file replacement: write a sibling temporary file, then rename it over the target,
//! so a reader (or a resumed run after a crash) sees the old or the new file, never half.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::TrainError;

/// The temporary sibling used while writing `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` atomically (data flushed to disk before the rename).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = result {
        // A full disk, say: drop the partial file, keep the previous `path`.
        let _ = std::fs::remove_file(&tmp);
        return Err(TrainError::io(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| TrainError::io(path, e))
}

/// Runs `save` on the temporary sibling of `path`, then renames it over `path`.
pub fn write_with(
    path: &Path,
    save: impl FnOnce(&Path) -> Result<(), TrainError>,
) -> Result<(), TrainError> {
    let tmp = temp_path(path);
    if let Err(e) = save(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(|e| TrainError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_save_keeps_the_previous_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("best.bpk");
        write(&path, b"previous").unwrap();
        let err = write_with(&path, |tmp| {
            std::fs::write(tmp, b"half").unwrap();
            Err(TrainError::io(
                tmp,
                std::io::Error::other("No space left on device"),
            ))
        })
        .unwrap_err();
        assert!(err.to_string().contains("best.bpk.tmp"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"previous");
        assert!(!temp_path(&path).exists());
    }
}
