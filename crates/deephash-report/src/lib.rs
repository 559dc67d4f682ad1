//! A self-contained HTML report of retrieval quality for learned binary hash codes.
//!
//! [`Report`] holds the numbers of one evaluation (one [`EvalReport`] of `deephash-metrics` per
//! code length, plus an optional grid of example queries); [`Report::render`] turns it into a single HTML page and
//! [`Report::write`] stores it atomically. The page needs no network to be viewed: the plots are
//! inline SVG drawn with `plotters`, the styles are inline CSS and the thumbnails are PNG `data:`
//! URIs. It shows the mAP table per code length, the precision-recall curve, the precision@k
//! curve, precision and recall within a Hamming radius, histograms of Hamming distances for
//! relevant vs irrelevant pairs, the top results of example queries and, when the runs' training
//! histories are given ([`TrainingCurve`]), the loss and validation mAP per epoch.
//!
//! It also holds the burn-free pieces of the retrieval workflow shared by `deephash demo`,
//! `deephash eval --run` and `deephash reproduce`: picking example queries ([`pick_queries`],
//! [`example_grid`]), the console table ([`map_table_text`]) and `metrics.json`
//! ([`write_metrics_json`]).
//!
//! This crate does not depend on the deep-learning framework.

mod charts;
mod data;
mod error;
mod examples;
mod html;
mod summary;
mod thumbnail;
mod training;
mod write;

pub use data::{ExampleGrid, ExampleHit, ExampleQuery, Report};
pub use deephash_metrics::{DistanceHistogram, EvalReport, PrPoint, PrecisionAtK};
pub use error::ReportError;
pub use examples::{CodeSet, example_grid, pick_queries};
pub use summary::{map_table_text, write_metrics_json};
pub use thumbnail::Thumbnail;
pub use training::{EpochPoint, TrainingCurve};
