//! deephash-atomic: the one atomic file writer of the workspace. Every file deephash writes
//! for others to read (code databases, indexes, run configurations, checkpoints, metrics,
//! reports) goes through [`write_atomically`]: the new contents go to a fixed hidden sibling
//! (`.NAME.deephash.tmp`, see [`temp_sibling`]) that the writer locks, are synced to disk,
//! given the usual `0644` permissions and renamed over the target. A reader (or a resumed run
//! after a crash) sees the old file or the new one, never half; a second writer of the same
//! file, in this process or another, is refused (an error of kind
//! [`io::ErrorKind::ResourceBusy`]) instead of racing the first. The operating system drops the
//! lock when a writer dies, and the next write reuses its leftover sibling.
//!
//! Errors are the operating system's; callers wrap them in their own typed error with the
//! path.

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// The hidden sibling `path` is written through.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".deephash.tmp");
    path.with_file_name(name)
}

/// Whether `err` is the refusal of a second writer of the same file.
pub fn is_in_use(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::ResourceBusy
}

/// Writes `path` by calling `fill` on its locked temporary sibling, syncing it and renaming it
/// over `path`. Refused (see [`is_in_use`]) while another writer writes the same path. On any
/// error the temporary file is removed and the previous `path`, if any, is left as it was.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = temp_sibling(path);
    let mut file = lock_temp(&tmp)?;
    let written = (|| {
        file.set_len(0)?;
        fill(&mut file)?;
        file.sync_all()?;
        make_readable(&file)?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn in_use() -> io::Error {
    io::Error::new(
        io::ErrorKind::ResourceBusy,
        "another deephash process is writing this file",
    )
}

/// Opens and locks `tmp`, retrying when it was renamed away by the writer that held it just
/// before (then the lock is on the finished file, not on `tmp`).
fn lock_temp(tmp: &Path) -> io::Result<File> {
    for _ in 0..16 {
        let file = File::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(tmp)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(in_use()),
            Err(TryLockError::Error(e)) => return Err(e),
        }
        if still_at(&file, tmp) {
            return Ok(file);
        }
    }
    Err(in_use())
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

/// The temporary file may have been created private; an output file is meant to be shared like
/// any other, so it gets the usual 0644 before its final name.
#[cfg(unix)]
fn make_readable(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn make_readable(_file: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, b"old").unwrap();
        write_atomically(&path, |f| f.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(entries(dir.path()), ["out.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }

    #[test]
    fn a_failing_writer_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, b"old").unwrap();
        let err = write_atomically(&path, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(dir.path()), ["out.json"]);
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope/out.json");
        assert!(write_atomically(&path, |f| f.write_all(b"x")).is_err());
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.dhc");
        write_atomically(&path, |f| f.write_all(b"old")).unwrap();
        let (inside, wait_inside) = std::sync::mpsc::channel();
        let (release, wait_release) = std::sync::mpsc::channel::<()>();
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
        assert!(is_in_use(&err), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        release.send(()).unwrap();
        first.join().unwrap().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"from the first writer");
        write_atomically(&path, |f| f.write_all(b"third")).unwrap();
        assert_eq!(entries(dir.path()), ["db.dhc"]);
    }

    #[test]
    fn a_leftover_sibling_of_a_killed_writer_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.npy");
        std::fs::write(
            temp_sibling(&path),
            b"half a file from a killed writer, longer",
        )
        .unwrap();
        write_atomically(&path, |f| f.write_all(b"whole")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        assert_eq!(entries(dir.path()), ["codes.npy"]);
    }
}
