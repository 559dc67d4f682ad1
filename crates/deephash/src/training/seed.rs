//! The seed project's configuration (what `deephash reproduce` trains): ResNet-18 fine-tuned
//! end to end, linear hash head with tanh, triplet loss over all valid triplets with margins
//! 8 and 20, SGD (lr 0.001, momentum 0.9, weight decay 5e-4) with step decay, batches of
//! 10 classes x 8 images; and the mAP its README published.

use std::path::PathBuf;

use deephash_data::DatasetKind;
use deephash_model::{BackboneKind, DeviceSpec};
use deephash_train::TrainMode;
use deephash_train::loss::{LossKind, Mining};
use deephash_train::optim::OptimizerKind;
use deephash_train::schedule::ScheduleKind;

use super::TrainSettings;

/// `--dataset` of a reproduction: the data sets the seed published numbers for.
pub fn seed_dataset(name: &str) -> Result<DatasetKind, String> {
    match name.parse::<DatasetKind>() {
        Ok(kind @ (DatasetKind::Cub | DatasetKind::Dogs)) => Ok(kind),
        _ => Err(format!("`{name}`: expected cub or dogs")),
    }
}

/// Epochs of the seed's fine-tuning recipe (learning rate x0.1 after half of them).
pub const SEED_EPOCHS: usize = 40;

/// The seed's published mAP (its README) for a data set and code length.
pub fn published_map(dataset: DatasetKind, bits: usize) -> Option<f64> {
    match (dataset, bits) {
        (DatasetKind::Cub, 16) => Some(0.6384),
        (DatasetKind::Cub, 64) => Some(0.7059),
        (DatasetKind::Dogs, 16) => Some(0.7127),
        (DatasetKind::Dogs, 64) => Some(0.7615),
        _ => None,
    }
}

/// The seed's margin for a code length: 8 at 16 bits, 20 at 64 (a quarter of the bits plus
/// 4 in between).
pub fn seed_margin(bits: usize) -> f32 {
    bits as f32 / 4.0 + 4.0
}

/// What a reproduction varies: the data, the weights, the device, the loss and the run's
/// length and batch shape (tests use tiny ones). With the `clap` feature these are the
/// `deephash reproduce` flags.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct SeedRun {
    /// Data set: cub or dogs.
    #[cfg_attr(feature = "clap", arg(long, value_parser = seed_dataset))]
    pub dataset: DatasetKind,
    /// The data set's folder (CUB_200_2011 or the Stanford Dogs folder).
    #[cfg_attr(feature = "clap", arg(long, value_name = "DIR"))]
    pub data_dir: PathBuf,
    /// ImageNet-pretrained ResNet-18 weights (.pth or .safetensors, torchvision layout).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FILE"))]
    pub weights: PathBuf,
    /// Compute device: cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[cfg_attr(feature = "clap", arg(long, default_value = "cpu"))]
    pub device: DeviceSpec,
    /// Training loss: triplet (the seed's, default), csq or orthohash (with their own default
    /// quantization weights; everything else is the seed's recipe).
    #[cfg_attr(feature = "clap", arg(long, default_value = "triplet"))]
    pub loss: LossKind,
    /// Epochs per run (default: the fine-tuning recipe's 40, learning rate x0.1 after half).
    #[cfg_attr(feature = "clap", arg(long))]
    pub epochs: Option<usize>,
    /// Classes per batch (the seed's 10; tests on tiny data use fewer).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 10, hide = true))]
    pub classes_per_batch: usize,
    /// Images per class in a batch (the seed's 8).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 8, hide = true))]
    pub per_class: usize,
    /// Only the first N images of each class of each split (tests).
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", hide = true))]
    pub max_per_class: Option<usize>,
}

impl SeedRun {
    /// The settings of one code length: the seed's recipe with this run's loss.
    pub fn settings(&self, bits: usize) -> TrainSettings {
        let epochs = self.epochs.unwrap_or(SEED_EPOCHS);
        let triplet = self.loss == LossKind::Triplet;
        TrainSettings {
            dataset: self.dataset,
            data_dir: Some(self.data_dir.clone()),
            backbone: BackboneKind::ResNet18,
            weights: Some(self.weights.clone()),
            bits,
            mode: Some(TrainMode::Finetune),
            epochs: Some(epochs),
            lr: Some(0.001),
            optimizer: Some(OptimizerKind::Sgd),
            weight_decay: Some(0.0005),
            schedule: Some(ScheduleKind::Step {
                every: (epochs / 2).max(1),
                gamma: 0.1,
            }),
            warmup: Some(0),
            loss: Some(self.loss),
            margin: Some(seed_margin(bits)),
            mining: triplet.then_some(Mining::All),
            quantization_weight: triplet.then_some(0.0),
            classes_per_batch: Some(self.classes_per_batch),
            per_class: Some(self.per_class),
            max_per_class: self.max_per_class,
            device: self.device,
            ..TrainSettings::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_margins_and_published_numbers() {
        assert_eq!(seed_margin(16), 8.0);
        assert_eq!(seed_margin(64), 20.0);
        assert_eq!(published_map(DatasetKind::Cub, 64), Some(0.7059));
        assert_eq!(published_map(DatasetKind::Dogs, 16), Some(0.7127));
        assert_eq!(published_map(DatasetKind::Cub, 32), None);
    }

    fn seed_run(loss: LossKind) -> SeedRun {
        SeedRun {
            dataset: DatasetKind::Cub,
            data_dir: "CUB".into(),
            weights: "r18.pth".into(),
            device: DeviceSpec::Cpu,
            loss,
            epochs: None,
            classes_per_batch: 10,
            per_class: 8,
            max_per_class: None,
        }
    }

    #[test]
    fn the_seed_recipe_with_the_chosen_loss() {
        let seed = seed_run(LossKind::Triplet)
            .settings(64)
            .run_config()
            .unwrap();
        let t = &seed.train;
        assert_eq!(
            (t.loss.kind, t.loss.mining),
            (LossKind::Triplet, Mining::All)
        );
        assert_eq!((t.loss.margin, t.loss.quantization_weight), (20.0, 0.0));
        assert_eq!(t.optimizer.kind, OptimizerKind::Sgd);
        assert_eq!(
            (t.schedule.base_lr, t.optimizer.weight_decay),
            (0.001, 0.0005)
        );
        let step = ScheduleKind::Step {
            every: 20,
            gamma: 0.1,
        };
        assert_eq!(
            (t.schedule.kind, t.epochs, t.mode),
            (step, 40, TrainMode::Finetune)
        );
        assert_eq!(seed.backbone(), BackboneKind::ResNet18);
        let csq = seed_run(LossKind::Csq).settings(64).run_config().unwrap();
        assert_eq!(csq.train.loss.kind, LossKind::Csq);
        assert_eq!(
            csq.train.loss.quantization_weight,
            deephash_train::loss::CSQ_QUANTIZATION_WEIGHT,
            "CSQ keeps its own"
        );
        assert_eq!(csq.train.schedule.kind, step);
    }
}
