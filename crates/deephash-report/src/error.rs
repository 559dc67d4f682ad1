use std::path::PathBuf;

/// Everything that can go wrong when building or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The report's input data is inconsistent (the message says what and where).
    #[error("invalid report data: {0}")]
    InvalidData(String),
    /// A plot could not be drawn.
    #[error("cannot draw the {chart} plot: {message}")]
    Plot {
        chart: &'static str,
        message: String,
    },
    /// A thumbnail could not be encoded as PNG.
    #[error("cannot encode a {width}x{height} thumbnail: {message}")]
    Thumbnail {
        width: u32,
        height: u32,
        message: String,
    },
    /// An example image could not be read (the cause says which and why).
    #[error("cannot read an example image")]
    Image(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The example queries could not be searched.
    #[error(transparent)]
    Index(#[from] deephash_index::IndexError),
    /// A code or label file could not be read or written (the message names it).
    #[error(transparent)]
    Codes(#[from] deephash_codes::CodesError),
    /// The report file could not be written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
