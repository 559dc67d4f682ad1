//! [`TrainSettings`]: what a user chooses for a run (every `deephash train` flag as a typed
//! value, most of them optional), and the recipe merge that turns it into the run's full
//! [`RunConfig`]: the defaults of the backbone and mode first, then the user's overrides.

use std::path::PathBuf;

use deephash_data::{DatasetKind, DatasetSpec};
use deephash_model::{BackboneKind, DeviceSpec, HashNetConfig, HeadKind};
use deephash_train::loss::{LossKind, Mining, ORTHOHASH_MARGIN, ORTHOHASH_SCALE, default_margin};
use deephash_train::optim::OptimizerKind;
use deephash_train::schedule::ScheduleKind;
use deephash_train::{DataSpec, LoopConfig, RunConfig, TrainMode, recipe};

use crate::{Error, Result};

/// A run as the user describes it; `None` means "the recipe's choice". With the `clap`
/// feature these are the `deephash train` flags (the field docs are their help).
///
/// ```
/// use deephash::training::TrainSettings;
/// let mut settings = TrainSettings::default(); // small CNN on the bundled Fashion-MNIST
/// settings.bits = 16;
/// settings.epochs = Some(2);
/// let config = settings.run_config()?;
/// assert_eq!((config.bits(), config.train.epochs), (16, 2));
/// assert_eq!(config.train.mode.to_string(), "finetune");
/// # Ok::<(), deephash::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct TrainSettings {
    /// Data set: fashion-mnist (bundled subset by default), cub, dogs, folder, list.
    #[cfg_attr(feature = "clap", arg(long, default_value = "fashion-mnist"))]
    pub dataset: DatasetKind,
    /// Data set folder (or list file); optional for fashion-mnist.
    #[cfg_attr(feature = "clap", arg(long, value_name = "PATH"))]
    pub data_dir: Option<PathBuf>,
    /// Backbone: resnet18, resnet34, resnet50, efficientnet-lite0, small-cnn.
    #[cfg_attr(feature = "clap", arg(long, default_value = "small-cnn"))]
    pub backbone: BackboneKind,
    /// Pretrained backbone weights (.pth or .safetensors), or a finished run directory whose
    /// trained backbone to start from (e.g. a frozen 16-bit head on a 64-bit small-CNN run).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FILE"))]
    pub weights: Option<PathBuf>,
    /// Code length in bits.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 64))]
    pub bits: usize,
    /// Hash head: linear (tanh, the seed's) or dae (divide-and-encode).
    #[cfg_attr(feature = "clap", arg(long, default_value = "linear"))]
    pub head: HeadKind,
    /// frozen (cached backbone features, head only) or finetune (end to end). Default:
    /// finetune for small-cnn, frozen otherwise.
    #[cfg_attr(feature = "clap", arg(long))]
    pub mode: Option<TrainMode>,
    /// Epochs (default: the backbone's recipe).
    #[cfg_attr(feature = "clap", arg(long))]
    pub epochs: Option<usize>,
    /// Head learning rate (default: the recipe's).
    #[cfg_attr(feature = "clap", arg(long))]
    pub lr: Option<f64>,
    /// Backbone learning rate as a multiple of --lr (finetune).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1.0))]
    pub backbone_lr_mult: f64,
    /// Optimiser: sgd (momentum 0.9, weight decay 5e-4), adam, adamw.
    #[cfg_attr(feature = "clap", arg(long))]
    pub optimizer: Option<OptimizerKind>,
    /// Weight decay (default: the recipe's).
    #[cfg_attr(feature = "clap", arg(long))]
    pub weight_decay: Option<f32>,
    /// Schedule: constant, step:N[:GAMMA], cosine[:MIN_FACTOR].
    #[cfg_attr(feature = "clap", arg(long))]
    pub schedule: Option<ScheduleKind>,
    /// Linear warm-up epochs.
    #[cfg_attr(feature = "clap", arg(long))]
    pub warmup: Option<usize>,
    /// Training loss: triplet (the seed's), csq (Central Similarity Quantization: BCE to
    /// per-class Hadamard centres) or orthohash (cosine cross entropy to orthogonal class
    /// codes). Default: in frozen mode, chosen among csq, orthohash and triplet by validation
    /// mAP (on small, full-batch data by 5-fold cross-validation over the training and
    /// validation rows); otherwise triplet.
    #[cfg_attr(feature = "clap", arg(long))]
    pub loss: Option<LossKind>,
    /// OrthoHash logit scale s.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = ORTHOHASH_SCALE))]
    pub ortho_scale: f32,
    /// OrthoHash cosine margin m.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = ORTHOHASH_MARGIN))]
    pub ortho_margin: f32,
    /// Triplet margin (default bits/4 + 4: 8 for 16 bits, 20 for 64).
    #[cfg_attr(feature = "clap", arg(long))]
    pub margin: Option<f32>,
    /// Triplet mining: all (the seed's), batch-hard, semi-hard.
    #[cfg_attr(feature = "clap", arg(long))]
    pub mining: Option<Mining>,
    /// Weight of the quantization term pulling outputs to +-1.
    #[cfg_attr(feature = "clap", arg(long))]
    pub quantization_weight: Option<f32>,
    /// Classes per batch (P; default 10, or every class when frozen mode trains full-batch).
    #[cfg_attr(feature = "clap", arg(long))]
    pub classes_per_batch: Option<usize>,
    /// Images per class in a batch (K; default 8, or the largest class when frozen mode
    /// trains full-batch).
    #[cfg_attr(feature = "clap", arg(long))]
    pub per_class: Option<usize>,
    /// Frozen mode: standardise every feature dimension (mean 0, deviation 1 over the training
    /// rows) before the head; folded into the saved head, so encoding needs nothing extra.
    /// Default: true in frozen mode.
    #[cfg_attr(feature = "clap", arg(long, value_name = "BOOL"))]
    pub standardize: Option<bool>,
    /// Frozen mode: raise every backbone feature to this signed power, `sign(x) |x|^P`, before
    /// the standardisation and the head (1: off). Applied by the saved head itself, so
    /// encoding needs nothing extra. Default in frozen mode: 0.5 (the square root) when the
    /// data are small enough for the head to train full batch (tens of images a class), 1
    /// otherwise.
    #[cfg_attr(feature = "clap", arg(long, value_name = "P"))]
    pub feature_power: Option<f32>,
    /// Share of each training class held out for model selection.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 0.1))]
    pub val_fraction: f64,
    /// Augmented views per image cached in frozen mode (0: the evaluation view only).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 0))]
    pub views: usize,
    /// Only the first N images of each class of each split (quick runs and tests).
    #[cfg_attr(feature = "clap", arg(long, value_name = "N"))]
    pub max_per_class: Option<usize>,
    /// Random crop and flip of training images: true or false (default: false for small-cnn,
    /// true for the ImageNet backbones).
    #[cfg_attr(feature = "clap", arg(long, value_name = "BOOL"))]
    pub augment: Option<bool>,
    /// Log and leave out images that cannot be read (corrupt, truncated, missing, too large)
    /// instead of stopping with an error naming the file.
    #[cfg_attr(feature = "clap", arg(long))]
    pub skip_bad: bool,
    /// Validate every N epochs (default: the recipe's).
    #[cfg_attr(feature = "clap", arg(long))]
    pub validate_every: Option<usize>,
    /// cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[cfg_attr(feature = "clap", arg(long, default_value = "cpu"))]
    pub device: DeviceSpec,
    /// Seed of every random choice.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 0))]
    pub seed: u64,
}

impl Default for TrainSettings {
    /// The small CNN from scratch on the bundled Fashion-MNIST subset, 64 bits, every
    /// other choice the recipe's.
    fn default() -> Self {
        Self {
            dataset: DatasetKind::FashionMnist,
            data_dir: None,
            backbone: BackboneKind::SmallCnn,
            weights: None,
            bits: 64,
            head: HeadKind::Linear,
            mode: None,
            epochs: None,
            lr: None,
            backbone_lr_mult: 1.0,
            optimizer: None,
            weight_decay: None,
            schedule: None,
            warmup: None,
            loss: None,
            ortho_scale: ORTHOHASH_SCALE,
            ortho_margin: ORTHOHASH_MARGIN,
            margin: None,
            mining: None,
            quantization_weight: None,
            classes_per_batch: None,
            per_class: None,
            standardize: None,
            feature_power: None,
            val_fraction: 0.1,
            views: 0,
            max_per_class: None,
            augment: None,
            skip_bad: false,
            validate_every: None,
            device: DeviceSpec::Cpu,
            seed: 0,
        }
    }
}

impl TrainSettings {
    /// The mode the run trains in: the user's, or the backbone's default.
    pub fn mode(&self) -> TrainMode {
        self.mode
            .unwrap_or_else(|| recipe::default_mode(self.backbone))
    }

    /// The full configuration: the backbone's recipe for the mode, then the user's values.
    pub fn run_config(&self) -> Result<RunConfig> {
        let mode = self.mode();
        if mode == TrainMode::Frozen && self.weights.is_none() {
            return Err(Error::FrozenNeedsWeights);
        }
        let mut train = recipe::loop_config(self.backbone, mode, self.bits);
        if let Some(loss) = self.loss {
            train = recipe::with_loss(train, loss);
        }
        if mode == TrainMode::Frozen {
            self.frozen_recipe_options(&mut train);
        }
        self.apply_overrides(&mut train);
        train.power_on_small_data_only = mode == TrainMode::Frozen && self.feature_power.is_none();
        train.validate()?;
        Ok(RunConfig {
            weights: self.weights.clone(),
            model: HashNetConfig {
                feature_power: self.feature_power(mode)?,
                ..HashNetConfig::new(self.backbone, self.head, self.bits)
            },
            data: self.data_spec(),
            train,
            device: self.device.to_string(),
        })
    }

    /// The signed power of the backbone's features: the user's or
    /// [`recipe::FROZEN_FEATURE_POWER`] in frozen mode (kept only on small data: see
    /// [`deephash_train::frozen_select::settle_feature_power`]); none when fine-tuning, where a power
    /// below 1 has no finite gradient at 0 (so `feature_power` is refused there).
    fn feature_power(&self, mode: TrainMode) -> Result<f32> {
        let power = match (mode, self.feature_power) {
            (TrainMode::Frozen, power) => power.unwrap_or(recipe::FROZEN_FEATURE_POWER),
            (TrainMode::Finetune, None | Some(1.0)) => 1.0,
            (TrainMode::Finetune, Some(_)) => return Err(Error::FeaturePowerNeedsFrozen),
        };
        deephash_model::feature_power::check_power(power)?;
        Ok(power)
    }

    /// The data part of the configuration.
    fn data_spec(&self) -> DataSpec {
        DataSpec {
            source: DatasetSpec::new(self.dataset, self.data_dir.clone()),
            val_fraction: self.val_fraction,
            views: self.views,
            max_per_class: self.max_per_class,
            skip_bad: self.skip_bad,
            augment: self
                .augment
                .unwrap_or(recipe::default_augment(self.backbone)),
        }
    }

    /// The frozen recipe's choices that depend on what was given: features standardised
    /// unless `standardize` is false; the step budget adapted to the data unless the epochs
    /// or the batch shape are given; the loss chosen by validation mAP (cross-validated on
    /// small data) among [`recipe::FROZEN_CANDIDATES`] unless a loss is given.
    fn frozen_recipe_options(&self, train: &mut LoopConfig) {
        train.standardize = self.standardize.unwrap_or(true);
        train.adaptive =
            self.epochs.is_none() && self.classes_per_batch.is_none() && self.per_class.is_none();
        if self.loss.is_none() {
            train.candidates = recipe::FROZEN_CANDIDATES.to_vec();
        }
    }

    /// The user's values replace the recipe's.
    fn apply_overrides(&self, train: &mut LoopConfig) {
        set(&mut train.epochs, self.epochs);
        set(&mut train.schedule.base_lr, self.lr);
        set(&mut train.optimizer.kind, self.optimizer);
        set(&mut train.optimizer.weight_decay, self.weight_decay);
        set(&mut train.schedule.kind, self.schedule);
        set(&mut train.schedule.warmup_epochs, self.warmup);
        train.loss.margin = self.margin.unwrap_or(default_margin(self.bits));
        set(&mut train.loss.mining, self.mining);
        train.loss.scale = self.ortho_scale;
        train.loss.cos_margin = self.ortho_margin;
        set(
            &mut train.loss.quantization_weight,
            self.quantization_weight,
        );
        set(&mut train.validate_every, self.validate_every);
        set(&mut train.classes_per_batch, self.classes_per_batch);
        set(&mut train.per_class, self.per_class);
        train.backbone_lr_mult = self.backbone_lr_mult;
        train.seed = self.seed;
    }
}

/// `*field = value` when a value is given.
fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_values_override_the_recipe_and_the_rest_is_the_recipe() {
        let settings = TrainSettings {
            bits: 16,
            lr: Some(0.5),
            per_class: Some(3),
            mining: Some(Mining::BatchHard),
            ..TrainSettings::default()
        };
        let config = settings.run_config().unwrap();
        let recipe = recipe::loop_config(BackboneKind::SmallCnn, TrainMode::Finetune, 16);
        assert_eq!(config.train.schedule.base_lr, 0.5);
        assert_eq!(config.train.per_class, 3);
        assert_eq!(config.train.loss.mining, Mining::BatchHard);
        assert_eq!(config.train.loss.margin, default_margin(16));
        assert_eq!(config.train.epochs, recipe.epochs);
        assert_eq!(config.train.optimizer, recipe.optimizer);
        assert!(
            !config.data.augment,
            "the small CNN's recipe does not augment"
        );
        assert_eq!(config.data.source.kind, DatasetKind::FashionMnist);
    }

    #[test]
    fn frozen_mode_needs_weights_and_chooses_the_loss_unless_given() {
        let frozen = TrainSettings {
            mode: Some(TrainMode::Frozen),
            ..TrainSettings::default()
        };
        assert!(matches!(
            frozen.run_config(),
            Err(Error::FrozenNeedsWeights)
        ));
        let with_weights = TrainSettings {
            weights: Some("runs/fm64".into()),
            ..frozen
        };
        let config = with_weights.run_config().unwrap();
        assert!(config.train.standardize && config.train.adaptive);
        assert_eq!(config.train.candidates, recipe::FROZEN_CANDIDATES.to_vec());
        assert_eq!(config.model.feature_power, recipe::FROZEN_FEATURE_POWER);
        assert!(
            config.train.power_on_small_data_only,
            "the default power waits for the data's size"
        );
        let chosen = TrainSettings {
            loss: Some(LossKind::Csq),
            epochs: Some(5),
            ..with_weights
        }
        .run_config()
        .unwrap();
        assert!(chosen.train.candidates.is_empty() && !chosen.train.adaptive);
        assert_eq!(chosen.train.loss.kind, LossKind::Csq);
    }

    #[test]
    fn the_feature_power_is_frozen_modes_and_checked() {
        let finetune = TrainSettings::default();
        let tuned = finetune.run_config().unwrap();
        assert_eq!(tuned.model.feature_power, 1.0);
        assert!(!tuned.train.power_on_small_data_only);
        let err = TrainSettings {
            feature_power: Some(0.5),
            ..finetune
        }
        .run_config()
        .unwrap_err();
        assert!(matches!(err, Error::FeaturePowerNeedsFrozen), "{err}");
        let frozen = TrainSettings {
            mode: Some(TrainMode::Frozen),
            weights: Some("runs/fm64".into()),
            feature_power: Some(1.0),
            ..TrainSettings::default()
        };
        let given = frozen.run_config().unwrap();
        assert_eq!(given.model.feature_power, 1.0);
        assert!(
            !given.train.power_on_small_data_only,
            "the user's power is kept"
        );
        let negative = TrainSettings {
            feature_power: Some(-0.5),
            ..frozen
        };
        let err = negative.run_config().unwrap_err();
        assert!(err.to_string().contains("feature power"), "{err}");
    }

    #[test]
    fn impossible_values_are_refused() {
        let settings = TrainSettings {
            classes_per_batch: Some(1),
            ..TrainSettings::default()
        };
        assert!(settings.run_config().is_err());
    }

    /// `tests/fixtures/config-frozen-before-settings.toml`: the `config.toml` that
    /// `deephash train --mode frozen --weights runs/fm16 --bits 8 --max-per-class 4` wrote
    /// before the training moved into the library. It still loads (without a feature power:
    /// none, as it trained), and the same choices made through [`TrainSettings`] give the
    /// same configuration (the feature power, added to the recipe later, given as 1).
    #[test]
    fn a_run_written_by_the_command_line_before_loads_and_matches_the_settings() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/config-frozen-before-settings.toml");
        let loaded = RunConfig::load(&path).unwrap();
        let settings = TrainSettings {
            mode: Some(TrainMode::Frozen),
            weights: Some("runs/fm16".into()),
            bits: 8,
            max_per_class: Some(4),
            feature_power: Some(1.0),
            ..TrainSettings::default()
        };
        assert_eq!(loaded.model.feature_power, 1.0);
        assert_eq!(settings.run_config().unwrap(), loaded);
        assert_eq!(loaded.train.candidates, recipe::FROZEN_CANDIDATES.to_vec());
    }

    /// The command line's defaults are the library's.
    #[cfg(feature = "clap")]
    #[test]
    fn no_flags_parse_to_the_default_settings() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            settings: TrainSettings,
        }
        let cli = Cli::try_parse_from(["train"]).unwrap();
        assert_eq!(cli.settings, TrainSettings::default());
        let cli = Cli::try_parse_from(["train", "--backbone", "resnet18", "--mode", "frozen"]);
        let settings = cli.unwrap().settings;
        assert_eq!(settings.backbone, BackboneKind::ResNet18);
        assert_eq!(settings.mode, Some(TrainMode::Frozen));
        assert!(Cli::try_parse_from(["train", "--loss", "dsh"]).is_err());
    }
}
