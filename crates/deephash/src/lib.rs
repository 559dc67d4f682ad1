//! deephash: image retrieval by learned binary hash codes, as a library.
//!
//! The building blocks are re-exported as modules, in data-flow order: [`data`] (data sets,
//! decoding, transforms), [`model`] (backbones and hash heads on burn), [`train`] (losses,
//! optimisers, run directories), [`codes`] (packed codes and code files), [`index`] (exact
//! Hamming k-NN), [`metrics`] (mAP and friends) and [`report`] (the HTML report).
//!
//! Above them this crate holds the pipeline that the `deephash` command line and any Rust
//! program share:
//!
//! - [`HashEncoder`]: a trained run that turns images, image files, folders or a split of a
//!   data set into a [`CodeMatrix`] or [`CodeDb`] ([`codes_from_outputs`] is the one place
//!   where network outputs become bits);
//! - [`Retriever`]: an encoder, an index and its code database with each item's path, class
//!   and image, searched by image, file or code;
//! - [`evaluation`]: a run evaluated the honest way (test queries against the training
//!   split) and its report written;
//! - [`training`]: a run trained from one typed configuration ([`training::TrainSettings`]
//!   merged into the backbone's recipe), evaluated once on the test split;
//! - [`write_code_file`]: codes to `.npy` or the own `.dhc` format.
//!
//! Errors are one [`Error`] whose variants keep the building block's error as their cause.
//!
//! ```no_run
//! use deephash::{DeviceSpec, HashEncoder, Retriever, RetrieverOptions};
//! use deephash::index::{IndexKind, index_file::write_index_with};
//! # fn main() -> deephash::Result<()> {
//! let run = std::path::Path::new("deephash-demo/runs/fm64");
//! let encoder = HashEncoder::open(run, &DeviceSpec::Cpu)?;
//! let encoded = encoder.encode_folder("photos".as_ref(), 64)?;
//! write_index_with("photos.idx".as_ref(), &encoded.db, &encoded.meta, IndexKind::Scan)?;
//! let retriever = Retriever::open(run, "photos.idx".as_ref(), &RetrieverOptions::default())?;
//! let hits = retriever.search_file("photos/cat.png".as_ref(), 5)?;
//! println!("nearest: {}", retriever.item(hits[0].row).id);
//! # Ok(())
//! # }
//! ```

pub mod code_file;
pub mod encoder;
pub mod error;
pub mod evaluation;
pub mod features;
pub mod labels;
pub mod progress;
pub mod query_answer;
pub mod retriever;
pub mod thumbnail;
pub mod training;

pub use deephash_codes as codes;
pub use deephash_data as data;
pub use deephash_index as index;
pub use deephash_metrics as metrics;
pub use deephash_model as model;
pub use deephash_report as report;
pub use deephash_train as train;

pub use code_file::{check_ids, write_code_file};
pub use deephash_codes::{CodeDb, CodeMatrix, DbMeta, Labels};
pub use deephash_data::Split;
pub use deephash_model::DeviceSpec;
pub use encoder::{Encoded, HashEncoder, SplitRequest, codes_from_outputs};
pub use error::{Error, Result};
pub use evaluation::report::{EvaluatedRun, evaluate_and_report};
pub use evaluation::{RunEval, evaluate_run};
pub use labels::{labels_from_sets, labels_pair};
pub use query_answer::{CodeFrom, QueryAnswer};
pub use retriever::{Hit, Item, Retriever, RetrieverOptions};
