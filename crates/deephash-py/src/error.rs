//! The one error type of the bindings; Python sees it as `deephash.DeephashError`.

use deephash_codes::CodesError;
use deephash_index::IndexError;

/// Why a call failed, with the CLI's one-line message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad argument (dtype, shape, bit count, k, radius, threads, index kind).
    #[error("{0}")]
    Argument(String),
    /// Reading or interpreting codes, labels or a code database failed.
    #[error(transparent)]
    Codes(#[from] CodesError),
    /// Building, searching or (de)serialising an index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl Error {
    /// An argument error with `message`.
    pub fn argument(message: impl Into<String>) -> Self {
        Error::Argument(message.into())
    }
}
