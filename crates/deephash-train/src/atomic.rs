//! Atomic file replacement (the workspace's one writer, `deephash-atomic`), with the training
//! crate's error naming the file: a reader (or a resumed run after a crash) sees the old or
//! the new file, never half.

use std::io::Write;
use std::path::Path;

use crate::TrainError;

/// Replaces `path` with `bytes` atomically (data flushed to disk before the rename).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    deephash_atomic::write_atomically(path, |file| file.write_all(bytes))
        .map_err(|e| TrainError::io(path, e))
}
