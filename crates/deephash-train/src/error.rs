//! Errors of the training crate.

use std::path::PathBuf;

/// Everything that can go wrong while training, checkpointing or loading a run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A batch whose embedding rows and label sets differ in number.
    #[error("batch has {rows} embeddings but {labels} label sets")]
    BatchMismatch {
        /// Embedding rows.
        rows: usize,
        /// Label sets.
        labels: usize,
    },
    /// An invalid setting (the message says which and why).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file had unexpected content.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Saving or loading burn weights or optimiser state failed.
    #[error("{path}: {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// burn's message.
        message: String,
    },
    /// Training was interrupted (Ctrl-C); a checkpoint was written.
    #[error("interrupted after epoch {epoch}; resume with --resume {run}")]
    Interrupted {
        /// The last completed epoch.
        epoch: usize,
        /// The run directory.
        run: PathBuf,
    },
    /// Another training holds the run directory's lock.
    #[error(
        "{run} is in use by another `deephash train` (its lock {run}/train.lock is held): \
         wait for it to end or stop it first"
    )]
    InUse {
        /// The run directory.
        run: PathBuf,
    },
    /// An error from the network crate.
    #[error(transparent)]
    Model(#[from] deephash_model::ModelError),
    /// An image could not be provided by the image source.
    #[error("{0}")]
    Source(String),
}

impl TrainError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.into(),
            source,
        }
    }
}
