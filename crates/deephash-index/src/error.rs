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
    /// A query file holds no codes.
    #[error("{}: holds no query codes", path.display())]
    NoQueries {
        /// The query file.
        path: PathBuf,
    },
    /// A code file to index holds no codes.
    #[error("{}: holds no codes", path.display())]
    NoCodes {
        /// The code file.
        path: PathBuf,
    },
    /// Query codes are not as long as the database's.
    #[error("{}: queries have {query} bits but the database has {db} bits", path.display())]
    QueryBits {
        /// The query file.
        path: PathBuf,
        /// Their length.
        query: usize,
        /// The database's.
        db: usize,
    },
    /// `-k` is 0 or larger than the database file holds.
    #[error("-k {k} is invalid: {} holds {n} codes, so k must be between 1 and {n}", db.display())]
    KOutOfRange {
        /// The requested neighbours per query.
        k: usize,
        /// The database size.
        n: usize,
        /// The database file.
        db: PathBuf,
    },
    /// A labels file does not give one label per code.
    #[error("{}: {labels} labels for {codes} codes", path.display())]
    LabelCount {
        /// The labels file.
        path: PathBuf,
        /// Its labels.
        labels: usize,
        /// The codes.
        codes: usize,
    },
    /// A thread count of 0.
    #[error("--threads 0 is invalid: use at least 1")]
    NoThreads,
    /// The worker threads could not be started.
    #[error("cannot start the worker threads")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
    /// A codes error (reading the embedded code database).
    #[error(transparent)]
    Codes(#[from] deephash_codes::CodesError),
}
