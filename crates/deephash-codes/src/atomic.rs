//! Atomic file writes: a temporary file in the target's folder, renamed into place,
//! so readers never see a half-written file.

use std::fs::File;
use std::path::Path;

use crate::CodesError;

/// Writes `path` by calling `fill` on a temporary file in the same folder, syncing
/// it and renaming it over `path`. On any error the temporary file is removed.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<(), CodesError> {
    let io_err = |source| CodesError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".deephash-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_err)?;
    fill(tmp.as_file_mut()).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}
