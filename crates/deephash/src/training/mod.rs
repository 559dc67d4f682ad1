//! Training a run: what `deephash train`, `demo` and `reproduce` do, as library functions
//! over one [`RunConfig`].
//!
//! [`TrainSettings`] is a run as a user describes it; [`TrainSettings::run_config`] merges
//! it into the backbone's recipe. [`train`] creates the run directory and trains (frozen
//! features or end to end, the epoch and, in frozen mode, the loss chosen on a validation
//! split carved from the training split), then evaluates the final model once on the test
//! split and keeps its codes. [`resume`] continues a run stopped by Ctrl-C or `stop_after`.
//!
//! ```no_run
//! use deephash::training::{TrainOptions, TrainSettings, train};
//! # fn main() -> deephash::Result<()> {
//! let settings = TrainSettings { bits: 16, ..TrainSettings::default() };
//! let outcome = train("runs/fm16".as_ref(), &settings.run_config()?, &TrainOptions::default())?;
//! if let Some(run) = outcome.finished() {
//!     println!("{}", run.summary());
//! }
//! # Ok(())
//! # }
//! ```

pub mod demo;
mod feature_cache;
mod final_eval;
mod finetune;
mod frozen;
mod initial;
mod outcome;
pub mod scoring;
pub mod seed;
pub mod seed_results;
mod settings;
mod untrained;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use deephash_data::Sample;
use deephash_train::dataset_source::DatasetSource;
use deephash_train::frozen_select::{CandidateScore, settle_feature_power};
use deephash_train::loss::LossKind;
use deephash_train::memory_source::training_transforms;
use deephash_train::split::validation_split;
use deephash_train::trainer::LoopOptions;
use deephash_train::{Embeddings, ImageSource, RunConfig, RunDir, TrainMode};

use crate::evaluation::{cache_root, run_dataset};
use crate::{DeviceSpec, Result};

pub use deephash_train::interrupt::install_ctrlc;
pub use feature_cache::{feature_key, weights_fingerprint};
pub use outcome::{TrainOutcome, TrainedRun};
pub use settings::TrainSettings;
pub use untrained::untrained_run;

/// How to run a training call (nothing here changes what is trained).
#[derive(Debug, Clone, Default)]
pub struct TrainOptions {
    /// Logs only, no progress bars.
    pub quiet: bool,
    /// Set by a Ctrl-C handler ([`install_ctrlc`]): checkpoint at the next batch and stop.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Stop after this many epochs, as if interrupted.
    pub stop_after: Option<usize>,
    /// Folder of the decoded-image and feature caches (default: `RUN/../.deephash-cache`).
    pub cache_dir: Option<PathBuf>,
}

/// Creates the run directory `out` for `config` and trains it.
pub fn train(out: &Path, config: &RunConfig, options: &TrainOptions) -> Result<TrainOutcome> {
    let run = RunDir::create(out, config)?;
    train_in(&run, config, options)
}

/// Continues the run in `run` from its latest checkpoint (or finishes its evaluation).
pub fn resume(run: &Path, options: &TrainOptions) -> Result<TrainOutcome> {
    let run = RunDir::open_for_training(run)?;
    let config = run.config()?;
    train_in(&run, &config, options)
}

/// The training split's image source and its rows divided into training and validation.
struct TrainRows<'a> {
    source: &'a DatasetSource,
    train: &'a [usize],
    val: &'a [usize],
}

/// What training hands to the final evaluation: the training split's outputs when the mode
/// already made them (frozen), the final loss, the candidates' scores.
type Trained = (Option<Embeddings>, LossKind, Vec<CandidateScore>);

/// Trains the run `run` as `config` says, then evaluates it.
fn train_in(run: &RunDir, config: &RunConfig, options: &TrainOptions) -> Result<TrainOutcome> {
    let started = Instant::now();
    let device: DeviceSpec = config.device.parse()?;
    let dataset = run_dataset(&config.data)?;
    let cache = options
        .cache_dir
        .clone()
        .unwrap_or_else(|| cache_root(run.root()));
    let train = image_source(config, dataset.train, "train", &cache)?;
    let labels = train.labels();
    let (train_rows, val_rows) =
        validation_split(&labels, config.data.val_fraction, config.train.seed);
    tracing::info!(
        train = train_rows.len(),
        val = val_rows.len(),
        "validation split"
    );
    let config = &settled_config(run, config, &labels, &train_rows)?;
    let rows = TrainRows {
        source: &train,
        train: &train_rows,
        val: &val_rows,
    };
    let Some((database, loss, selection)) =
        train_mode(run, config, &device, &rows, &cache, options)?
    else {
        return Ok(TrainOutcome::Stopped {
            run: run.root().to_path_buf(),
        });
    };
    let test = image_source(config, dataset.test, "test", &cache)?;
    let report = final_eval::final_metrics(run, &device, &test, &train, database)?;
    Ok(TrainOutcome::Finished(Box::new(TrainedRun {
        run: run.root().to_path_buf(),
        config: config.clone(),
        loss,
        selection,
        report,
        seconds: started.elapsed().as_secs_f64(),
    })))
}

/// `config` with the choices that wait for the data's size made
/// ([`settle_feature_power`]), written to the run's `config.toml` when that changes it, so
/// inference and a resumed run read the settled configuration.
fn settled_config(
    run: &RunDir,
    config: &RunConfig,
    labels: &[Vec<u32>],
    train_rows: &[usize],
) -> Result<RunConfig> {
    let settled = settle_feature_power(config, labels, train_rows);
    if settled != *config {
        settled.save(&run.config_path())?;
    }
    Ok(settled)
}

/// Trains in the run's mode on `rows` (the validation split carved); `None` when stopped early.
fn train_mode(
    run: &RunDir,
    config: &RunConfig,
    device: &DeviceSpec,
    rows: &TrainRows<'_>,
    cache: &Path,
    options: &TrainOptions,
) -> Result<Option<Trained>> {
    let opts = LoopOptions {
        quiet: options.quiet,
        interrupt: options.interrupt.clone(),
        stop_after_epochs: options.stop_after,
    };
    Ok(match config.train.mode {
        TrainMode::Frozen => frozen::train_frozen_run(run, config, device, rows, cache, &opts)?
            .map(|t| (Some(t.database), t.loss, t.scores)),
        TrainMode::Finetune => finetune::train_finetune_run(run, config, device, rows, &opts)?
            .then_some((None, config.train.loss.kind, Vec::new())),
    })
}

/// The image source of one split of the run's data set, with the run's training and
/// evaluation transforms and the decoded-image cache in `cache/images`.
fn image_source(
    config: &RunConfig,
    samples: Vec<Sample>,
    split: &str,
    cache: &Path,
) -> Result<DatasetSource> {
    let (train_tf, eval_tf) = training_transforms(config.backbone(), config.data.augment);
    let data = &config.data;
    let key = format!("{}:{:?}:{split}", data.source.kind, data.source.data_dir);
    let images = cache.join("images");
    Ok(DatasetSource::with_skip_bad(
        samples,
        train_tf,
        eval_tf,
        Some(&images),
        key,
        data.skip_bad,
    )?)
}
