//! Atomic file writes with one writer at a time: the new contents go to a fixed
//! hidden sibling (`.NAME.deephash.tmp`) that the writer locks, then are renamed
//! over the target, so readers never see a half-written file and a second writer
//! of the same file is refused instead of racing the first. The lock is dropped
//! by the operating system when a writer dies, and its leftover sibling is simply
//! reused by the next write.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use crate::CodesError;

/// The hidden sibling `path` is written through.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".deephash.tmp");
    path.with_file_name(name)
}

/// Writes `path` by calling `fill` on its locked temporary sibling, syncing it and
/// renaming it over `path`. Refused with [`CodesError::InUse`] while another
/// writer (in this or another process) writes the same path. On any error the
/// temporary file is removed and the previous `path`, if any, is left intact.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<(), CodesError> {
    let io_err = |source| CodesError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = temp_sibling(path);
    let mut file = lock_temp(path, &tmp)?;
    let written = (|| {
        file.set_len(0)?;
        fill(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    Ok(())
}

/// Opens and locks `tmp`, retrying when it was renamed away by the writer that
/// held it just before (then the lock is on the finished file, not on `tmp`).
fn lock_temp(path: &Path, tmp: &Path) -> Result<File, CodesError> {
    let io_err = |source| CodesError::Io {
        path: tmp.to_path_buf(),
        source,
    };
    for _ in 0..16 {
        let file = File::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(tmp)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(CodesError::InUse {
                    path: path.to_path_buf(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        if still_at(&file, tmp) {
            return Ok(file);
        }
    }
    Err(CodesError::InUse {
        path: path.to_path_buf(),
    })
}

/// Whether the open `file` is still the one at `tmp`.
#[cfg(unix)]
fn still_at(file: &File, tmp: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(tmp)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_file: &File, tmp: &Path) -> bool {
    tmp.exists()
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::mpsc;

    use super::*;

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
