//! The full configuration of a training run, written to `RUN/config.toml`.

use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::loss::{HashLoss, LossKind};
use crate::optim::OptimizerSettings;
use crate::schedule::Schedule;

/// What is trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrainMode {
    /// Backbone features computed once (eval mode), cached; only the head is trained.
    #[default]
    Frozen,
    /// The whole network end to end.
    Finetune,
}

impl std::str::FromStr for TrainMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "frozen" => Ok(TrainMode::Frozen),
            "finetune" => Ok(TrainMode::Finetune),
            _ => Err(format!("unknown mode `{s}` (expected frozen or finetune)")),
        }
    }
}

impl std::fmt::Display for TrainMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TrainMode::Frozen => "frozen",
            TrainMode::Finetune => "finetune",
        })
    }
}

/// Settings of the optimisation loop (everything but the data and the network).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopConfig {
    /// Frozen or fine-tune.
    pub mode: TrainMode,
    /// Epochs to train.
    pub epochs: usize,
    /// Classes per batch (P).
    pub classes_per_batch: usize,
    /// Samples per class in a batch (K).
    pub per_class: usize,
    /// Objective.
    pub loss: HashLoss,
    /// Optimiser.
    pub optimizer: OptimizerSettings,
    /// Learning-rate schedule of the head (the backbone's is scaled by `backbone_lr_mult`).
    pub schedule: Schedule,
    /// Backbone learning rate as a multiple of the head's (fine-tune mode).
    pub backbone_lr_mult: f64,
    /// Validate every this many epochs (and always after the last).
    pub validate_every: usize,
    /// Seed of every random choice (initialisation, split, batches, augmentation).
    pub seed: u64,
    /// Frozen mode: standardise every feature dimension over the training rows before the
    /// head (folded into the saved head). Absent in older run files: off.
    #[serde(default)]
    pub standardize: bool,
    /// Frozen mode: batches and epochs adapted to the data at training time
    /// ([`crate::frozen_recipe::adapt_frozen`]). Absent in older run files: off.
    #[serde(default)]
    pub adaptive: bool,
    /// Frozen mode: the losses to train one head each with and to choose from by validation
    /// mAP (empty: just `loss`).
    #[serde(default)]
    pub candidates: Vec<LossKind>,
    /// Frozen mode: share of the head's input features zeroed at random in every training
    /// step (inverted dropout: the others are scaled by `1 / (1 - p)`; 0: none). Absent in
    /// older run files: 0.
    #[serde(default)]
    pub feature_dropout: f32,
    /// Keep the model of the last epoch rather than the best-validated one (validation still
    /// scores it; its score is the run's). Absent in older run files: off.
    #[serde(default)]
    pub keep_final: bool,
    /// Frozen mode: after the loss is chosen, train it once more on the training and
    /// validation rows together and keep that head ([`crate::frozen_select`]). Absent in older
    /// run files: off.
    #[serde(default)]
    pub refit: bool,
    /// Frozen mode: the model's feature power is the recipe's default, kept only when the data
    /// turn out to be small (the full-batch regime, where it was measured to help) and set to
    /// 1 otherwise, once the data are known
    /// ([`crate::frozen_select::settle_feature_power`], which clears this). Absent in older
    /// run files: off.
    #[serde(default)]
    pub power_on_small_data_only: bool,
}

impl LoopConfig {
    /// Checks the settings for values that cannot work.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |m: &str| Err(TrainError::Config(m.to_string()));
        if self.epochs == 0 {
            return bad("--epochs must be at least 1");
        }
        if self.classes_per_batch < 2 {
            return bad("a batch needs at least 2 classes to have negatives");
        }
        if self.per_class < 2 {
            return bad("a batch needs at least 2 samples per class to have positives");
        }
        if !(self.schedule.base_lr > 0.0 && self.schedule.base_lr.is_finite()) {
            return bad("--lr must be a positive number");
        }
        if self.loss.margin.is_nan() || self.loss.margin < 0.0 {
            return bad("--margin must be >= 0");
        }
        if self.backbone_lr_mult < 0.0 {
            return bad("--backbone-lr-mult must be >= 0");
        }
        if !(0.0..1.0).contains(&self.feature_dropout) {
            return bad("the feature dropout must be in [0, 1)");
        }
        Ok(())
    }

    /// Batch size `P * K`.
    pub fn batch_size(&self) -> usize {
        self.classes_per_batch * self.per_class
    }
}
