//! Errors of the metrics: every one says which side (queries or database) is wrong.

use std::fmt;

/// Which input of an evaluation an error is about, so that a caller that knows
/// the file names can name the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The query codes or query labels.
    Query,
    /// The database codes or database labels.
    Database,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Query => "query",
            Side::Database => "database",
        })
    }
}

/// Everything that makes an evaluation impossible. The metrics never panic on
/// bad input and never return a silently wrong number: they return one of these.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MetricsError {
    /// No query or no database item.
    #[error("the {side} set is empty: nothing to evaluate")]
    Empty {
        /// The empty side.
        side: Side,
    },
    /// The number of labels differs from the number of codes on one side.
    #[error("{labels} {side} labels for {codes} {side} codes: the counts must match")]
    LabelCount {
        /// The side whose counts differ.
        side: Side,
        /// Number of codes.
        codes: usize,
        /// Number of labels.
        labels: usize,
    },
    /// Query and database codes have different lengths.
    #[error("query codes have {query_bits} bits but database codes have {db_bits} bits")]
    BitsMismatch {
        /// Bits per query code.
        query_bits: usize,
        /// Bits per database code.
        db_bits: usize,
    },
    /// One side is single-label, the other multi-label: relevance is undefined.
    #[error("query labels are {query} but database labels are {db}: both must be of one kind")]
    LabelKind {
        /// Kind of the query labels ("single-label" or "multi-label").
        query: &'static str,
        /// Kind of the database labels.
        db: &'static str,
    },
    /// Multi-label matrices with different numbers of classes.
    #[error("query labels have {query} classes but database labels have {db} classes")]
    ClassCount {
        /// Classes (columns) of the query label matrix.
        query: usize,
        /// Classes (columns) of the database label matrix.
        db: usize,
    },
    /// A cut-off k outside 1..=database size.
    #[error("k = {k} is out of range: it must be between 1 and the database size {database}")]
    InvalidK {
        /// The requested cut-off.
        k: usize,
        /// Number of database items.
        database: usize,
    },
    /// The distance kernel refused its input (an internal inconsistency:
    /// shapes are checked before it runs).
    #[error("distance kernel: {message}")]
    Kernel {
        /// The kernel's error.
        message: String,
    },
}
