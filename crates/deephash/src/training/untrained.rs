//! A run directory with a randomly initialised network and no training: what tests and
//! plumbing checks (encoding, indexes, serving) need without the minutes training takes.

use std::path::Path;

use deephash_model::cpu_device;
use deephash_train::checkpoint::save_module;
use deephash_train::{RunConfig, RunDir};

use crate::Result;

/// Creates the run directory `out` for `config` and saves the network initialised with the
/// run's seed as its model, as if training had finished (no metrics, no checkpoints).
pub fn untrained_run(out: &Path, config: &RunConfig) -> Result<RunDir> {
    let run = RunDir::create(out, config)?;
    let device = cpu_device();
    device.seed(config.train.seed);
    save_module(&config.model.init(&device)?, &run.model_path())?;
    Ok(run)
}
