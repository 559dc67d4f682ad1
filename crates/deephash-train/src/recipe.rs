//! Default training recipes per backbone and mode (what `deephash train` uses when an
//! option is not given).

use deephash_model::BackboneKind;

use crate::config::{LoopConfig, TrainMode};
use crate::loss::{CSQ_QUANTIZATION_WEIGHT, HashLoss, LossKind, Mining, default_margin};
use crate::optim::{OptimizerKind, OptimizerSettings};
use crate::schedule::{Schedule, ScheduleKind};

/// The default mode: fine-tuning for the small CNN (it has no pretrained weights), frozen
/// features for pretrained backbones.
pub fn default_mode(kind: BackboneKind) -> TrainMode {
    match kind {
        BackboneKind::SmallCnn => TrainMode::Finetune,
        _ => TrainMode::Frozen,
    }
}

/// Whether training images are augmented (random crop and flip) by default: not for the small
/// CNN on small, centred images (Fashion-MNIST learns faster and generalises better without:
/// 0.90 against 0.86 test mAP at 64 bits after 16 epochs in a PyTorch replica of the recipe),
/// the seed's random 224 crop and flip for the ImageNet backbones.
pub fn default_augment(kind: BackboneKind) -> bool {
    kind != BackboneKind::SmallCnn
}

/// Epochs of the small CNN's recipe from scratch.
pub const SMALL_CNN_EPOCHS: usize = 16;

/// The default loop configuration for `kind` in `mode` at `bits` bits.
///
/// - small CNN from scratch: Adam 2e-3 with one warm-up epoch and cosine decay, 16 epochs,
///   10 x 8 batches, all triplets, quantization weight 0.1, no augmentation (481 s on 2 cores
///   with the test-profile binary, whose small-CNN steps are 1.8x slower than a release
///   build's, on the bundled 10k Fashion-MNIST images: 0.90 test mAP at 64 bits);
/// - frozen backbone features (pretrained, or a trained small CNN's): head only, Adam 1e-3,
///   cosine, 30 epochs, quantization weight 0.1 (seconds); `deephash train` then adapts the
///   batches and epochs to the data ([`crate::frozen_recipe::adapt_frozen`]: full batch when
///   it fits, at least 300 steps) and standardises the features;
/// - fine-tuning a pretrained backbone: the seed's SGD (lr 0.001, momentum 0.9, weight decay
///   5e-4), batch 10 x 8, x0.1 every 20 epochs, 40 epochs.
pub fn loop_config(kind: BackboneKind, mode: TrainMode, bits: usize) -> LoopConfig {
    let loss = HashLoss::triplet(default_margin(bits), Mining::All, 0.0);
    let adam = OptimizerSettings {
        kind: OptimizerKind::Adam,
        weight_decay: 0.0,
        ..Default::default()
    };
    let base = LoopConfig {
        mode,
        epochs: 40,
        classes_per_batch: 10,
        per_class: 8,
        loss,
        optimizer: OptimizerSettings::default(),
        schedule: Schedule {
            base_lr: 0.001,
            kind: ScheduleKind::Step {
                every: 20,
                gamma: 0.1,
            },
            warmup_epochs: 0,
        },
        backbone_lr_mult: 1.0,
        validate_every: 1,
        seed: 0,
        standardize: false,
        adaptive: false,
        candidates: Vec::new(),
        feature_dropout: 0.0,
        keep_final: false,
        refit: false,
        power_on_small_data_only: false,
    };
    match (kind, mode) {
        (BackboneKind::SmallCnn, TrainMode::Finetune) => LoopConfig {
            epochs: SMALL_CNN_EPOCHS,
            loss: HashLoss {
                quantization_weight: 0.1,
                ..loss
            },
            optimizer: adam,
            schedule: Schedule {
                base_lr: 2e-3,
                kind: ScheduleKind::Cosine { min_factor: 0.01 },
                warmup_epochs: 1,
            },
            validate_every: 4,
            ..base
        },
        (_, TrainMode::Frozen) => LoopConfig {
            epochs: 30,
            loss: HashLoss {
                quantization_weight: 0.1,
                ..loss
            },
            optimizer: adam,
            schedule: Schedule {
                base_lr: 1e-3,
                kind: ScheduleKind::Cosine { min_factor: 0.01 },
                warmup_epochs: 0,
            },
            ..base
        },
        (_, TrainMode::Finetune) => base,
    }
}

/// The signed power `deephash train --mode frozen` raises the backbone's features to before
/// standardising them (the square root; [`deephash_model::feature_power`]): +0.02 to +0.05
/// test mAP for the CSQ head on 10-20 images a class in a replica (docs/training.md). Kept by
/// default on small data only ([`crate::frozen_select::settle_feature_power`]): on the demo's
/// 9,000-row heads it cost 0.006 test mAP at 16 bits.
pub const FROZEN_FEATURE_POWER: f32 = 0.5;

/// The losses `deephash train --mode frozen` chooses from by validation mAP when `--loss` is
/// not given (the first wins ties).
pub const FROZEN_CANDIDATES: [LossKind; 3] =
    [LossKind::Csq, LossKind::Orthohash, LossKind::Triplet];

/// `cfg` switched to the loss `kind`, with that loss's default quantization weight: the
/// recipe's own for the triplet loss, CSQ's 1e-4 (DeepHash-pytorch's `lambda`) for csq, none
/// for orthohash (the paper's default).
pub fn with_loss(cfg: LoopConfig, kind: LossKind) -> LoopConfig {
    let quantization_weight = match kind {
        LossKind::Triplet => cfg.loss.quantization_weight,
        LossKind::Csq => CSQ_QUANTIZATION_WEIGHT,
        LossKind::Orthohash => 0.0,
    };
    LoopConfig {
        loss: HashLoss {
            kind,
            quantization_weight,
            ..cfg.loss
        },
        ..cfg
    }
}
