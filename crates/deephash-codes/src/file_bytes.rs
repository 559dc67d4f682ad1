//! Small helpers shared by the file readers: whole-file reads and error construction.

use std::path::Path;

use crate::CodesError;

/// A [`CodesError::File`] naming `path` with `message`.
pub fn file_error(path: &Path, message: impl Into<String>) -> CodesError {
    CodesError::File {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Reads a whole file; an empty file is an error (no format allows it).
pub fn read_file(path: &Path) -> Result<Vec<u8>, CodesError> {
    let bytes = std::fs::read(path).map_err(|source| CodesError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.is_empty() {
        return Err(file_error(path, "empty file"));
    }
    Ok(bytes)
}
