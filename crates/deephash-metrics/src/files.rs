//! Evaluating code and label files (`deephash eval --query-codes … --db-labels …`), with
//! errors that start with the file at fault.

use std::path::Path;

use deephash_codes::{CodesError, Labels, read_codes, read_labels};

use crate::{EvalConfig, EvalReport, MetricsError, Side, evaluate};

/// The four inputs of an evaluation from files.
#[derive(Debug, Clone, Copy)]
pub struct EvalFiles<'a> {
    /// Query codes (`.npy` or code database).
    pub query_codes: &'a Path,
    /// Query labels (`.npy`).
    pub query_labels: &'a Path,
    /// Database codes.
    pub db_codes: &'a Path,
    /// Database labels.
    pub db_labels: &'a Path,
}

/// Why files could not be evaluated; each message starts with the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum FileEvalError {
    /// A file could not be read.
    #[error(transparent)]
    Read(#[from] CodesError),
    /// The inputs do not fit together (the message names the file).
    #[error("{message}")]
    Inputs {
        /// The file at fault and what is wrong with it.
        message: String,
        /// The metrics' own error (not chained: the message says it in terms of files).
        metrics: MetricsError,
    },
}

/// Reads the four files and evaluates them.
pub fn evaluate_files(
    files: &EvalFiles<'_>,
    config: &EvalConfig,
) -> Result<EvalReport, FileEvalError> {
    let started = std::time::Instant::now();
    let query = read_codes(files.query_codes)?;
    let query_labels = read_labels(files.query_labels)?;
    let db = read_codes(files.db_codes)?;
    let db_labels = read_labels(files.db_labels)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "read the inputs");
    let bits = (query.bits(), db.bits());
    evaluate(&query, &query_labels, &db, &db_labels, config).map_err(|metrics| {
        FileEvalError::Inputs {
            message: name_the_file(&metrics, files, bits, &db_labels),
            metrics,
        }
    })
}

/// A one-line message for `err` that starts with the file at fault.
fn name_the_file(
    err: &MetricsError,
    files: &EvalFiles<'_>,
    (query_bits, db_bits): (usize, usize),
    db_labels: &Labels,
) -> String {
    let codes_of = |side| {
        shown(if side == Side::Query {
            files.query_codes
        } else {
            files.db_codes
        })
    };
    let labels_of = |side| {
        shown(if side == Side::Query {
            files.query_labels
        } else {
            files.db_labels
        })
    };
    match err {
        MetricsError::Empty { side } => {
            format!("{}: holds no code, nothing to evaluate", codes_of(*side))
        }
        MetricsError::LabelCount {
            side,
            codes,
            labels,
        } => format!(
            "{}: {labels} labels, but {} holds {codes} codes",
            labels_of(*side),
            codes_of(*side)
        ),
        MetricsError::BitsMismatch { .. } => format!(
            "{}: database codes have {db_bits} bits but the query codes in {} have {query_bits} bits",
            shown(files.db_codes),
            shown(files.query_codes),
        ),
        MetricsError::InvalidK { k, database } => format!(
            "--topk {k} is out of range: {} holds {database} codes, k must be 1..={database}",
            shown(files.db_codes)
        ),
        other @ MetricsError::Kernel { .. } => other.to_string(),
        other @ (MetricsError::LabelKind { .. } | MetricsError::ClassCount { .. }) => {
            let kind = if matches!(db_labels, Labels::Single(_)) {
                "single-label"
            } else {
                "multi-label"
            };
            format!(
                "{} ({kind}): {other} (query labels: {})",
                shown(files.db_labels),
                shown(files.query_labels)
            )
        }
    }
}

fn shown(path: &Path) -> std::path::Display<'_> {
    path.display()
}
