//! The lock that keeps two trainings out of one run directory: an advisory lock on
//! `RUN/train.lock`, held while a `RunDir` made for training lives. The operating
//! system drops it when the process ends, however it ends (SIGKILL included), so
//! a killed run leaves nothing to clean up before `--resume`.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use crate::TrainError;

/// A held lock on a run directory; released on drop.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// The lock file of the run directory `root`.
    pub fn path_in(root: &Path) -> PathBuf {
        root.join("train.lock")
    }

    /// Takes the lock of `root` without waiting; refuses a run directory whose
    /// lock another process (or another `RunDir` of this one) holds.
    pub fn acquire(root: &Path) -> Result<Self, TrainError> {
        let path = Self::path_in(root);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| TrainError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(TrainError::InUse {
                run: root.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(TrainError::io(&path, e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path()).unwrap();
        assert_eq!(first.path(), dir.path().join("train.lock"));
        let err = RunLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, TrainError::InUse { .. }), "{err}");
        assert!(err.to_string().contains("in use"), "{err}");
        drop(first);
        RunLock::acquire(dir.path()).unwrap();
    }
}
