//! Atomic file writes (the workspace's one writer, `deephash-atomic`: a locked hidden sibling
//! renamed over the target, one writer at a time), with the data crate's error: a crash never
//! leaves half a file, and a second process writing the same file at the same time is refused
//! (an I/O error naming the file) instead of racing the first.

use std::fs::File;
use std::path::Path;

use crate::error::{DataError, Result};

/// Writes `path` by calling `fill` on its locked temporary sibling, then syncs it and renames it
/// over `path`. An error of `fill` comes back as it was; the writer's own errors become
/// [`DataError::Io`] naming `path`. On any error the previous `path`, if any, is left intact.
pub fn write_atomically(path: &Path, fill: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let mut failure = None;
    let written = deephash_atomic::write_atomically(path, |file| {
        fill(file).map_err(|e| {
            let signal = std::io::Error::other(e.to_string());
            failure = Some(e);
            signal
        })
    });
    match (written, failure) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) => Err(DataError::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_fillers_own_error_comes_back_and_the_old_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.dhc");
        std::fs::write(&path, b"old").unwrap();
        let err = write_atomically(&path, |f| {
            f.write_all(b"half").map_err(|e| DataError::io("x", e))?;
            Err(DataError::format("broken.jpg", "cannot decode"))
        })
        .unwrap_err();
        assert!(matches!(err, DataError::Format { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        write_atomically(&path, |f| {
            f.write_all(b"new").map_err(|e| DataError::io("x", e))
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }
}
