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
    use std::io::Write;
    use std::sync::mpsc;

    use super::*;
    use deephash_atomic::temp_sibling;

    #[test]
    fn writes_replace_the_file_and_leave_no_sibling() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.dhc");
        write_atomically(&path, |f| f.write_all(b"first version, long")).unwrap();
        write_atomically(&path, |f| f.write_all(b"second")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert!(!temp_sibling(&path).exists());
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.dhc");
        write_atomically(&path, |f| f.write_all(b"old")).unwrap();
        let (inside, wait_inside) = mpsc::channel();
        let (release, wait_release) = mpsc::channel::<()>();
        let first_path = path.clone();
        let first = std::thread::spawn(move || {
            write_atomically(&first_path, |f| {
                inside.send(()).unwrap();
                wait_release.recv().unwrap();
                f.write_all(b"from the first writer")
            })
        });
        wait_inside.recv().unwrap();
        let err = write_atomically(&path, |f| f.write_all(b"second")).unwrap_err();
        assert!(matches!(err, CodesError::InUse { .. }), "{err}");
        assert!(err.to_string().contains("db.dhc"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        release.send(()).unwrap();
        first.join().unwrap().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"from the first writer");
        write_atomically(&path, |f| f.write_all(b"third")).unwrap();
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.dhi");
        write_atomically(&path, |f| f.write_all(b"good")).unwrap();
        let err = write_atomically(&path, |f| {
            f.write_all(b"partial")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"good");
        assert!(!temp_sibling(&path).exists());
    }

    #[test]
    fn a_leftover_sibling_of_a_killed_writer_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.npy");
        std::fs::write(temp_sibling(&path), b"half a file from a killed writer").unwrap();
        write_atomically(&path, |f| f.write_all(b"whole")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
    }
}
