//! The run directory: `config.toml`, `metrics.jsonl`, checkpoints (latest and best, written
//! atomically), the final model `model.bpk` and the final test metrics `metrics.json`.
//!
//! ```text
//! RUN/config.toml                     full configuration (RunConfig)
//! RUN/metrics.jsonl                   one EpochMetrics object per line
//! RUN/checkpoints/latest.json         CheckpointState + names of the files below
//! RUN/checkpoints/ckpt-<gen>.model.bpk / .optim.bpk
//! RUN/checkpoints/best.bpk            trained module at the best validation epoch
//! RUN/model.bpk                       final HashNet (backbone + head) for inference
//! RUN/centres.json                    class hash centres (csq and orthohash losses only)
//! RUN/metrics.json                    final test metrics (written by the caller)
//! RUN/train.lock                      held by the training using the directory
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::atomic;
use crate::run_config::RunConfig;
use crate::run_lock::RunLock;

/// One line of `metrics.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub loss: f64,
    /// Head learning rate at the end of the epoch.
    pub lr: f64,
    /// Validation mAP (absent when not validated this epoch).
    pub val_map: Option<f64>,
    /// Training samples per second.
    pub images_per_s: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
}

/// Progress saved in a checkpoint: enough to continue exactly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Epochs fully completed.
    pub epoch: usize,
    /// Batches completed in the current (incomplete) epoch; 0 at an epoch boundary.
    pub step: usize,
    /// Sum of batch losses so far in the current epoch.
    pub loss_sum: f64,
    /// Best validation mAP so far.
    pub best_map: Option<f64>,
    /// 1-based epoch of the best validation mAP.
    pub best_epoch: Option<usize>,
    /// Generation counter naming the checkpoint files.
    pub generation: u64,
}

/// A run directory on disk. One made for training ([`RunDir::create`],
/// [`RunDir::open_for_training`]) holds the directory's lock (`train.lock`) until
/// it and its clones are dropped, so a second training of the same directory is
/// refused; one opened for reading ([`RunDir::open`]) takes no lock.
#[derive(Debug, Clone)]
pub struct RunDir {
    root: PathBuf,
    lock: Option<Arc<RunLock>>,
}

impl RunDir {
    /// Creates a new run directory for `config`; refuses a directory that already holds a run.
    pub fn create(root: &Path, config: &RunConfig) -> Result<Self, TrainError> {
        if root.join("config.toml").exists() {
            return Err(TrainError::Config(format!(
                "{} already holds a run; use --resume {} to continue it or choose another --out",
                root.display(),
                root.display()
            )));
        }
        let ckpt = root.join("checkpoints");
        std::fs::create_dir_all(&ckpt).map_err(|e| TrainError::io(&ckpt, e))?;
        let run = Self {
            root: root.to_path_buf(),
            lock: Some(Arc::new(RunLock::acquire(root)?)),
        };
        config.save(&run.config_path())?;
        Ok(run)
    }

    /// Opens an existing run directory to continue training it, taking its lock
    /// (refused while another training holds it).
    pub fn open_for_training(root: &Path) -> Result<Self, TrainError> {
        let mut run = Self::open(root)?;
        run.lock = Some(Arc::new(RunLock::acquire(root)?));
        Ok(run)
    }

    /// Opens an existing run directory for reading (inference, evaluation); no lock.
    pub fn open(root: &Path) -> Result<Self, TrainError> {
        let run = Self {
            root: root.to_path_buf(),
            lock: None,
        };
        if !run.config_path().is_file() {
            return Err(TrainError::Format {
                path: run.config_path(),
                message: "missing: not a run directory written by `deephash train`".into(),
            });
        }
        Ok(run)
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// The configuration.
    pub fn config(&self) -> Result<RunConfig, TrainError> {
        RunConfig::load(&self.config_path())
    }

    /// `metrics.jsonl`.
    pub fn metrics_log_path(&self) -> PathBuf {
        self.root.join("metrics.jsonl")
    }

    /// `metrics.json` (final test metrics).
    pub fn final_metrics_path(&self) -> PathBuf {
        self.root.join("metrics.json")
    }

    /// `model.bpk` (the final network).
    pub fn model_path(&self) -> PathBuf {
        self.root.join("model.bpk")
    }

    /// `centres.json`: the hash centres of the csq and orthohash losses, written at the first
    /// step and read back by a resumed run.
    pub fn centres_path(&self) -> PathBuf {
        self.root.join("centres.json")
    }

    /// `checkpoints/best.bpk`.
    pub fn best_path(&self) -> PathBuf {
        self.root.join("checkpoints").join("best.bpk")
    }

    fn latest_path(&self) -> PathBuf {
        self.root.join("checkpoints").join("latest.json")
    }

    /// Model and optimiser files of checkpoint generation `generation`.
    pub fn checkpoint_files(&self, generation: u64) -> (PathBuf, PathBuf) {
        let dir = self.root.join("checkpoints");
        (
            dir.join(format!("ckpt-{generation:06}.model.bpk")),
            dir.join(format!("ckpt-{generation:06}.optim.bpk")),
        )
    }

    /// Appends one epoch's metrics to `metrics.jsonl`.
    pub fn append_metrics(&self, metrics: &EpochMetrics) -> Result<(), TrainError> {
        let path = self.metrics_log_path();
        let line = serde_json::to_string(metrics).expect("metrics serialise");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| TrainError::io(&path, e))?;
        writeln!(file, "{line}").map_err(|e| TrainError::io(&path, e))
    }

    /// Every line of `metrics.jsonl`.
    pub fn read_metrics(&self) -> Result<Vec<EpochMetrics>, TrainError> {
        let path = self.metrics_log_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(TrainError::io(&path, e)),
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| TrainError::Format {
                    path: path.clone(),
                    message: format!("line {}: {e}", i + 1),
                })
            })
            .collect()
    }

    /// Drops lines of epochs after `epoch` (written after the last checkpoint of a run that
    /// was then killed), so a resumed run appends them again.
    pub fn truncate_metrics_after(&self, epoch: usize) -> Result<(), TrainError> {
        let kept: Vec<EpochMetrics> = self
            .read_metrics()?
            .into_iter()
            .filter(|m| m.epoch <= epoch)
            .collect();
        let mut text = String::new();
        for m in &kept {
            text.push_str(&serde_json::to_string(m).expect("metrics serialise"));
            text.push('\n');
        }
        atomic::write(&self.metrics_log_path(), text.as_bytes())
    }

    /// Records `state` as the latest checkpoint (its files must already be written) and
    /// removes older generations.
    pub fn commit_checkpoint(&self, state: &CheckpointState) -> Result<(), TrainError> {
        let text = serde_json::to_vec_pretty(state).expect("state serialises");
        atomic::write(&self.latest_path(), &text)?;
        if state.generation > 0 {
            let (model, optim) = self.checkpoint_files(state.generation - 1);
            let _ = std::fs::remove_file(model);
            let _ = std::fs::remove_file(optim);
        }
        Ok(())
    }

    /// The latest checkpoint's state, if any.
    pub fn latest_checkpoint(&self) -> Result<Option<CheckpointState>, TrainError> {
        let path = self.latest_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| TrainError::Format {
                    path,
                    message: format!("corrupt checkpoint state: {e}"),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(TrainError::io(&path, e)),
        }
    }
}
