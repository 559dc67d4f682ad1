use std::path::PathBuf;

/// Everything that can go wrong when building, reading or writing codes.
#[derive(Debug, thiserror::Error)]
pub enum CodesError {
    /// The code length is not a multiple of 8 within [`crate::MIN_BITS`, `crate::MAX_BITS`].
    #[error("invalid code length {bits} bits: must be a multiple of 8 from 8 to 1024")]
    InvalidBits { bits: usize },
    /// A buffer's length does not fit the declared shape.
    #[error("buffer of {len} bytes does not hold whole codes of {bytes_per_code} bytes")]
    RaggedBuffer { len: usize, bytes_per_code: usize },
    /// An embedding contains NaN or an infinity, so its sign is meaningless.
    #[error("embedding row {row}, column {col} is {value}: codes need finite values")]
    NonFinite { row: usize, col: usize, value: f32 },
    /// Two things that must agree in size do not (e.g. labels and codes).
    #[error("{what}")]
    Mismatch { what: String },
    /// A file could not be read or written, or its contents are wrong.
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// Another writer (this process or another) is writing the same file.
    #[error("{path} is being written by another process or thread: try again when it is done")]
    InUse { path: PathBuf },
    /// An I/O error on the named file.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
