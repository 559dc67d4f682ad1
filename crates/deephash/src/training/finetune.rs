//! `mode = finetune`: the whole network end to end; the final network is the checkpoint of
//! the best validation epoch.

use deephash_train::checkpoint::{load_module, resume_or_start, save_module};
use deephash_train::finetune::train_finetune;
use deephash_train::trainer::LoopOptions;
use deephash_train::{RunConfig, RunDir};

use super::TrainRows;
use super::initial::initial_net;
use super::scoring::validation_map;
use crate::{DeviceSpec, Result};

/// Trains (or resumes) the network and saves the best epoch as the run's model; `false` when
/// stopped early.
pub fn train_finetune_run(
    run: &RunDir,
    config: &RunConfig,
    device: &DeviceSpec,
    split: &TrainRows<'_>,
    opts: &LoopOptions,
) -> Result<bool> {
    let autodiff = device.training_device()?;
    let net = initial_net(config, &autodiff)?;
    let (net, optim, state) = resume_or_start(run, net, config.train.optimizer.build())?;
    let rows = (split.train, split.val);
    let (_, outcome) = train_finetune(
        run,
        &config.train,
        net,
        state,
        optim,
        split.source,
        rows,
        Some(&validation_map),
        opts,
        &autodiff,
    )?;
    if !outcome.finished {
        return Ok(false);
    }
    let plain = device.device()?;
    let best = load_module(config.model.init(&plain)?, &run.best_path())?;
    save_module(&best, &run.model_path())?;
    Ok(true)
}
