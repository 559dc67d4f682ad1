//! Atomic file writes (the workspace's one writer, `deephash-atomic`: a locked hidden sibling
//! renamed over the target, one writer at a time), with the code crate's error naming the file.

use std::fs::File;
use std::path::Path;

use crate::CodesError;

/// Writes `path` by calling `fill` on its locked temporary sibling, syncing it and renaming it
/// over `path` ([`deephash_atomic::write_atomically`]). Refused with [`CodesError::InUse`] while
/// another writer (in this or another process) writes the same path. On any error the
/// temporary file is removed and the previous `path`, if any, is left intact.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<(), CodesError> {
    deephash_atomic::write_atomically(path, fill).map_err(|source| {
        if deephash_atomic::is_in_use(&source) {
            CodesError::InUse {
                path: path.to_path_buf(),
            }
        } else {
            CodesError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    //! The writer's own behaviour (replacement, one writer at a time, leftovers of killed
    //! writers) is tested in `deephash-atomic`; here, only how its errors become this crate's.
    use std::io::Write;

    use super::*;
    use deephash_atomic::temp_sibling;

    #[test]
    fn a_second_writer_is_refused_as_in_use_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.dhc");
        write_atomically(&path, |f| f.write_all(b"old")).unwrap();
        // Another writer holds the sibling's lock.
        let held = File::create(temp_sibling(&path)).unwrap();
        held.try_lock().unwrap();
        let err = write_atomically(&path, |f| f.write_all(b"second")).unwrap_err();
        assert!(matches!(err, CodesError::InUse { .. }), "{err}");
        assert!(err.to_string().contains("db.dhc"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        drop(held);
        write_atomically(&path, |f| f.write_all(b"third")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"third");
    }

    #[test]
    fn a_failed_write_is_an_io_error_naming_the_file_and_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.dhi");
        write_atomically(&path, |f| f.write_all(b"good")).unwrap();
        let err = write_atomically(&path, |f| {
            f.write_all(b"partial")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(matches!(err, CodesError::Io { .. }), "{err}");
        assert!(err.to_string().contains("index.dhi"), "{err}");
        assert!(
            std::error::Error::source(&err)
                .unwrap()
                .to_string()
                .contains("disk full")
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"good");
        assert!(!temp_sibling(&path).exists());
    }
}
