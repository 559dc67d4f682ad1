//! Atomic file writes (the workspace's one writer, `deephash-atomic`), with the code crate's
//! error naming the file.

use std::fs::File;
use std::path::Path;

use crate::CodesError;

/// Writes `path` by calling `fill` on a temporary file in the same folder, syncing it and
/// renaming it over `path` ([`deephash_atomic::write_atomically`]). On any error the
/// temporary file is removed.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<(), CodesError> {
    deephash_atomic::write_atomically(path, fill).map_err(|source| CodesError::Io {
        path: path.to_path_buf(),
        source,
    })
}
