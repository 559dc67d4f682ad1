//! Retrieval metrics of binary hash codes ranked by Hamming distance.
//!
//! [`evaluate`] computes, in one pass over the database per query, everything
//! the deep-hashing literature reports: mAP over the whole ranking and mAP@k
//! (stable ranking: ties broken by database index), the tie-aware mAP of
//! McSherry & Najork (exact expectation over the orders of tied items),
//! precision@k, precision and recall within a Hamming radius, the
//! precision-recall curve over all radii, a precision@k curve and the histogram
//! of distances of relevant and irrelevant pairs. The result, [`EvalReport`],
//! is the one JSON shape of metrics in deephash (its `Display` is the console summary);
//! [`evaluate_files`] reads code and label files and names the file at fault in its errors.
//!
//! Rules, applied everywhere:
//! - relevance is a shared label ([`deephash_codes::Labels::relevant`]);
//! - a query with no relevant database item counts as 0 in every average
//!   (as `map_eval.py`, the numpy reference, counts its AP as 0);
//! - a query with nothing within the radius counts precision 0 for it;
//! - mAP@k divides by the relevant items found in the top k (toolbox convention).
//!
//! Per query the cost is O(N + bits): distances and relevance in one scan, a
//! counting sort by distance (never a comparison sort), queries in parallel
//! with rayon. This crate does not depend on the deep-learning framework.

mod average_precision;
mod config;
mod error;
mod evaluate;
mod files;
mod harmonic;
mod query;
mod relevance;
mod report;
mod scan;
mod summary;
mod sums;

pub use average_precision::{average_precision, tie_aware_average_precision};
pub use config::{DEFAULT_K, DEFAULT_RADIUS, EvalConfig};
pub use error::{MetricsError, Side};
pub use evaluate::evaluate;
pub use files::{EvalFiles, FileEvalError, evaluate_files};
pub use report::{DistanceHistogram, EvalReport, PrPoint, PrecisionAtK};
