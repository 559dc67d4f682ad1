//! `RUN/config.toml`: everything needed to continue, reproduce or use a run.

use std::path::{Path, PathBuf};

use deephash_data::DatasetSpec;
use deephash_model::{BackboneKind, HashNetConfig};
use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::config::LoopConfig;

/// The data of a run: the data set (which loader, where, how folder and list data are split:
/// the data crate's [`DatasetSpec`], whose fields sit directly in `[data]`) and how training
/// uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    /// Which data set and from where (`dataset = "fashion-mnist"`, `data_dir = ...`).
    #[serde(flatten)]
    pub source: DatasetSpec,
    /// Fraction of each training class held out for model selection.
    pub val_fraction: f64,
    /// Augmented views per training image in frozen mode (0: the evaluation view only).
    pub views: usize,
    /// Use only the first this many images of each class in each split (quick runs).
    #[serde(default)]
    pub max_per_class: Option<usize>,
    /// Leave out images that cannot be read (logged) instead of failing.
    #[serde(default)]
    pub skip_bad: bool,
    /// Random crop and flip of training images (off: training sees the evaluation view).
    /// Absent in older run files, which all trained with augmentation.
    #[serde(default = "augment_by_default")]
    pub augment: bool,
}

fn augment_by_default() -> bool {
    true
}

/// Indices of the first `max` samples of each class (first label), in order.
pub fn first_per_class(labels: &[Vec<u32>], max: usize) -> Vec<usize> {
    let mut seen = std::collections::HashMap::new();
    (0..labels.len())
        .filter(|&i| {
            let n = seen.entry(labels[i].first().copied()).or_insert(0usize);
            *n += 1;
            *n <= max
        })
        .collect()
}

/// The full configuration of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Initial backbone weights, when pretrained.
    pub weights: Option<PathBuf>,
    /// The network; its backbone configuration is the one place the backbone is stored
    /// ([`RunConfig::backbone`] derives the kind from it).
    pub model: HashNetConfig,
    /// The data.
    pub data: DataSpec,
    /// The optimisation loop.
    pub train: LoopConfig,
    /// `--device` as given.
    pub device: String,
}

/// The fields of older `config.toml` files that the current format stores elsewhere: the
/// backbone kind, written beside `[model.backbone]` until the configuration stored it once.
#[derive(Deserialize)]
struct Legacy {
    backbone: Option<BackboneKind>,
}

impl RunConfig {
    /// The named backbone (decides the input preprocessing), derived from the model's backbone
    /// configuration.
    pub fn backbone(&self) -> BackboneKind {
        self.model.backbone.kind()
    }

    /// Code length.
    pub fn bits(&self) -> usize {
        self.model.bits
    }

    /// Writes the configuration as TOML to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), TrainError> {
        let text = toml::to_string_pretty(self).map_err(|e| TrainError::Format {
            path: path.to_path_buf(),
            message: format!("cannot serialise the configuration: {e}"),
        })?;
        crate::atomic::write(path, text.as_bytes())
    }

    /// Reads a configuration written by [`RunConfig::save`].
    /// Older files, which also name the backbone at the top level, load to the same
    /// configuration; that name must agree with `[model.backbone]`.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
        let format = |message: String| TrainError::Format {
            path: path.to_path_buf(),
            message,
        };
        let not_a_config = |e: toml::de::Error| format(format!("not a run configuration: {e}"));
        let config: Self = toml::from_str(&text).map_err(not_a_config)?;
        let legacy: Legacy = toml::from_str(&text).map_err(not_a_config)?;
        match legacy.backbone {
            Some(named) if named != config.backbone() => Err(format(format!(
                "names the backbone {named} but [model.backbone] describes a {}",
                config.backbone()
            ))),
            _ => Ok(config),
        }
    }
}
