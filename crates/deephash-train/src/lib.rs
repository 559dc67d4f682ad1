//! deephash-train: turns a data set and a backbone into a trained hashing model.
//!
//! - [`loss`]: the seed's triplet loss over all valid triplets, batch-hard and semi-hard
//!   mining, multi-label pairs, a quantization term, the default margin per code length.
//! - [`optim`]: SGD with PyTorch semantics, Adam, AdamW; [`schedule`]: step, cosine and
//!   linear warm-up learning-rate schedules as pure functions of the epoch.
//! - [`trainer`]: the loop shared by `--mode frozen` ([`frozen`]) and `--mode finetune`
//!   ([`finetune`]): P x K batches, validation through a caller-supplied
//!   [`RetrievalScorer`], atomic checkpoints, exact resume, Ctrl-C, progress bars.
//! - [`RunDir`]/[`RunConfig`]: the run directory; [`TrainedModel`]: a finished run for
//!   inference.
//!
//! This crate depends on the model and data crates only; retrieval metrics come in
//! through [`RetrievalScorer`], images through [`ImageSource`].

pub mod atomic;
pub mod checkpoint;
pub mod config;
pub mod dataset_source;
pub mod dropout;
pub mod embeddings;
pub mod error;
pub mod features;
pub mod finetune;
pub mod folds;
pub mod frozen;
pub mod frozen_recipe;
pub mod frozen_select;
pub mod inference;
pub mod interrupt;
pub mod loss;
pub mod memory_source;
pub mod module_step;
pub mod optim;
pub mod recipe;
pub mod run_config;
pub mod run_dir;
pub mod run_lock;
pub mod schedule;
pub mod source;
pub mod split;
pub mod standardize;
pub mod trainer;

pub use config::{LoopConfig, TrainMode};
pub use embeddings::{Embeddings, RetrievalScorer};
pub use error::TrainError;
pub use inference::TrainedModel;
pub use run_config::{DataSpec, RunConfig};
pub use run_dir::{CheckpointState, EpochMetrics, RunDir};
pub use run_lock::RunLock;
pub use source::ImageSource;
