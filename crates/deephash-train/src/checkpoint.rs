//! Saving and restoring a module and its optimiser as burnpack bytes, atomically.

use std::path::Path;

use burn::module::Module;
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::store::ModuleRecord;
use burn::tensor::Bytes;

use crate::TrainError;
use crate::atomic;
use crate::run_dir::{CheckpointState, RunDir};

fn record_error(path: &Path, err: impl std::fmt::Display) -> TrainError {
    TrainError::Record {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

/// Writes `module`'s parameters (with their ids, so optimiser state still matches) to
/// `path` atomically.
pub fn save_module<M: Module>(module: &M, path: &Path) -> Result<(), TrainError> {
    let bytes = module
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| record_error(path, e))?;
    atomic::write(path, &bytes)
}

/// Loads parameters written by [`save_module`] into `module` (same architecture).
pub fn load_module<M: Module>(module: M, path: &Path) -> Result<M, TrainError> {
    let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| record_error(path, e))?;
    module
        .try_load_record(record)
        .map_err(|e| record_error(path, e))
}

/// Writes a checkpoint (module, optimiser, progress) and makes it the latest.
pub fn save_checkpoint<M: Module>(
    run: &RunDir,
    module: &M,
    optim: &ModuleOptimizer,
    state: &mut CheckpointState,
) -> Result<(), TrainError> {
    state.generation += 1;
    let (model_path, optim_path) = run.checkpoint_files(state.generation);
    save_module(module, &model_path)?;
    let bytes = optim
        .to_record()
        .into_bytes()
        .map_err(|e| record_error(&optim_path, e))?;
    atomic::write(&optim_path, &bytes)?;
    run.commit_checkpoint(state)
}

/// Restores the latest checkpoint into `module` and `optim`; `None` when there is none.
pub fn load_checkpoint<M: Module>(
    run: &RunDir,
    module: M,
    optim: ModuleOptimizer,
) -> Result<Option<(M, ModuleOptimizer, CheckpointState)>, TrainError> {
    let Some(state) = run.latest_checkpoint()? else {
        return Ok(None);
    };
    let (model_path, optim_path) = run.checkpoint_files(state.generation);
    let module = load_module(module, &model_path)?;
    let record = OptimizerRecord::load(&optim_path).map_err(|e| record_error(&optim_path, e))?;
    Ok(Some((module, optim.load_record(record), state)))
}

/// The latest checkpoint of `run` when there is one (resume), otherwise `module` and
/// `optim` as given with a fresh state.
pub fn resume_or_start<M: Module>(
    run: &RunDir,
    module: M,
    optim: ModuleOptimizer,
) -> Result<(M, ModuleOptimizer, CheckpointState), TrainError> {
    match load_checkpoint(run, module.clone(), optim.clone())? {
        Some((module, optim, state)) => {
            tracing::info!(
                epoch = state.epoch,
                step = state.step,
                "resuming from checkpoint"
            );
            Ok((module, optim, state))
        }
        None => Ok((module, optim, CheckpointState::default())),
    }
}
