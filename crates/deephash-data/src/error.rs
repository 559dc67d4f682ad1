//! The one error type of this crate: every variant names the file or argument at fault.

use std::path::PathBuf;

/// An error of the data crate. Each variant says which file (or which argument) is at fault and what
/// is wrong with it, so that a user can fix the input without reading code.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// An image file could not be decoded (corrupt, truncated, unsupported format).
    #[error("{}: cannot decode image: {message}", path.display())]
    Decode {
        /// The image file.
        path: PathBuf,
        /// What the decoder reported.
        message: String,
    },
    /// An image is larger than the decompression-bomb limit.
    #[error("{}: image is {width} x {height} pixels, over the limit of {limit} pixels", path.display())]
    TooLarge {
        /// The image file.
        path: PathBuf,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The pixel limit in force.
        limit: u64,
    },
    /// A file's content does not follow its format (IDX, MAT v5, list file, cache file, ...).
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where in the file.
        message: String,
    },
    /// A data set folder does not have the expected layout.
    #[error("{}: {message}", path.display())]
    Layout {
        /// The data set folder.
        path: PathBuf,
        /// What was expected and what is missing.
        message: String,
    },
    /// An argument or configuration value is invalid.
    #[error("{0}")]
    Invalid(String),
    /// A download failed or did not verify.
    #[error("{url}: {message}")]
    Download {
        /// The address.
        url: String,
        /// What went wrong.
        message: String,
    },
}

impl DataError {
    /// An [`DataError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A [`DataError::Format`] for `path`.
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Format {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A [`DataError::Layout`] for `path`.
    pub fn layout(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Layout {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Result with [`DataError`].
pub type Result<T, E = DataError> = std::result::Result<T, E>;
