//! The library's error: one enum whose variants keep the building block's error as their
//! cause, plus the few failures that only the pipeline can name (a run and an index that do
//! not belong together, an empty folder, …).

use std::path::PathBuf;

/// Everything that can go wrong in the pipeline; `source()` leads to the building block's
/// own error where there is one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Loading or running a trained run failed.
    #[error(transparent)]
    Train(#[from] deephash_train::TrainError),
    /// A device or network setting was refused.
    #[error(transparent)]
    Model(#[from] deephash_model::ModelError),
    /// A data set or an image could not be read.
    #[error(transparent)]
    Data(#[from] deephash_data::DataError),
    /// A code file could not be read or written.
    #[error(transparent)]
    Codes(#[from] deephash_codes::CodesError),
    /// An index could not be built, read or searched.
    #[error(transparent)]
    Index(#[from] deephash_index::IndexError),
    /// The metrics could not be computed.
    #[error(transparent)]
    Metrics(#[from] deephash_metrics::MetricsError),
    /// The report could not be built or written.
    #[error(transparent)]
    Report(#[from] deephash_report::ReportError),
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A folder to encode holds no image file.
    #[error("{0}: no image files (jpg, jpeg, png, …) found")]
    NoImages(PathBuf),
    /// The selected split of a data set holds no image.
    #[error("data set `{dataset}`: the {split:?} split holds no image")]
    EmptySplit {
        /// The data set's name.
        dataset: String,
        /// The split asked for.
        split: deephash_data::Split,
    },
    /// An image path that cannot be stored one per line.
    #[error("the image path {0:?} contains a line break; rename it")]
    BadId(String),
    /// A code database to search holds no code.
    #[error("{0}: the code database is empty")]
    EmptyDatabase(PathBuf),
    /// The run makes codes of another length than the database holds.
    #[error("{index}: {index_bits}-bit codes, but the run {run} makes {run_bits}-bit codes")]
    BitsMismatch {
        /// The index or code database.
        index: PathBuf,
        /// Its code length.
        index_bits: usize,
        /// The run directory.
        run: PathBuf,
        /// The run's code length.
        run_bits: usize,
    },
    /// The codes were made by another model than the run asked to search them.
    #[error(
        "{index}: its codes were made by {codes}, but the query would be encoded by {run}; \
         codes of different models are not comparable: encode the database again with this \
         run, or query with that one"
    )]
    ModelMismatch {
        /// The index or code database.
        index: PathBuf,
        /// The model its codes record.
        codes: Box<deephash_codes::ModelFingerprint>,
        /// The run's model.
        run: Box<deephash_codes::ModelFingerprint>,
    },
    /// `k` outside `1..=database size`.
    #[error("-k {k} is out of range: {index} holds {len} codes, k must be 1..={len}")]
    InvalidK {
        /// What was asked for.
        k: usize,
        /// The index or code database.
        index: PathBuf,
        /// Its size.
        len: usize,
    },
    /// A report of several runs was asked for without any run.
    #[error("no run to report (at least one code length is needed)")]
    NoRuns,
    /// Frozen-mode training without pretrained weights.
    #[error("--mode frozen needs pretrained --weights (a random backbone gives useless features)")]
    FrozenNeedsWeights,
    /// `--feature-power` given for end-to-end training.
    #[error(
        "--feature-power applies to frozen backbone features only (--mode frozen); a power below 1 has no finite gradient at 0 for fine-tuning"
    )]
    FeaturePowerNeedsFrozen,
    /// The finished run given as weights has another backbone than the run to train.
    #[error("--weights {weights}: the run's backbone is {theirs}, this run needs {ours}")]
    BackboneMismatch {
        /// The run given as weights.
        weights: PathBuf,
        /// Its backbone configuration.
        theirs: String,
        /// The configuration this run needs.
        ours: String,
    },
    /// The network's outputs could not be made into codes.
    #[error("the network produced codes that cannot be binarised")]
    Binarise(#[source] deephash_codes::CodesError),
    /// An error with what was being done in front (the cause follows in the chain).
    #[error("{what}")]
    Context {
        /// What was being done.
        what: String,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// This error with `what` in front (e.g. "evaluating the run runs/x").
    pub fn context(self, what: impl Into<String>) -> Self {
        Self::Context {
            what: what.into(),
            source: Box::new(self),
        }
    }
}

/// The library's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
