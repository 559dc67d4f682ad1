use std::path::PathBuf;

/// Everything that can go wrong when searching or (de)serialising an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Query and database codes have different lengths.
    #[error("query codes have {query} bits but the database has {db} bits")]
    BitsMismatch { query: usize, db: usize },
    /// `k` is 0 or larger than the database.
    #[error("k = {k} is invalid: it must be between 1 and the database size {n}")]
    InvalidK { k: usize, n: usize },
    /// The database is too large for 32-bit ids.
    #[error("database of {n} codes is too large (at most 4294967295)")]
    TooLarge { n: usize },
    /// A buffer has the wrong length.
    #[error("{what}")]
    Shape { what: String },
    /// An index file is wrong; the message says how.
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// An index served by another engine (e.g. a Milvus collection) failed to answer.
    #[error("{engine} could not answer the search")]
    Backend {
        /// The engine.
        engine: &'static str,
        /// Its error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A codes error (reading the embedded code database).
    #[error(transparent)]
    Codes(#[from] deephash_codes::CodesError),
}
