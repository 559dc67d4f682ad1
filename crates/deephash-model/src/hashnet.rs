//! The hashing network: backbone + hash head, and its save/load for run directories.

use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::ModelError;
use crate::backbone::{Backbone, BackboneConfig, BackboneKind};
use crate::feature_power::IDENTITY_POWER;
use crate::head::{HashHead, HeadKind};

/// Everything needed to rebuild a [`HashNet`] before loading its weights (saved as TOML/JSON in
/// run directories by the training crate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashNetConfig {
    /// The backbone and its size.
    pub backbone: BackboneConfig,
    /// The head.
    pub head: HeadKind,
    /// Code length.
    pub bits: usize,
    /// The signed power the head applies to the backbone's features before its linear layer
    /// ([`crate::feature_power`]; frozen mode's recipe, 1: none). Absent in older run files: 1.
    #[serde(default = "identity_power", skip_serializing_if = "is_identity_power")]
    pub feature_power: f32,
}

fn identity_power() -> f32 {
    IDENTITY_POWER
}

fn is_identity_power(power: &f32) -> bool {
    *power == IDENTITY_POWER
}

impl HashNetConfig {
    /// The standard configuration of a named backbone with a head of `bits`.
    pub fn new(kind: BackboneKind, head: HeadKind, bits: usize) -> Self {
        Self {
            backbone: BackboneConfig::from_kind(kind),
            head,
            bits,
            feature_power: IDENTITY_POWER,
        }
    }

    /// Width of the backbone feature (the head's input).
    pub fn feature_dim(&self) -> usize {
        self.backbone.feature_dim()
    }

    /// Builds the network with random initialisation.
    pub fn init(&self, device: &Device) -> Result<HashNet, ModelError> {
        let head = self
            .head
            .init(self.feature_dim(), self.bits, device)?
            .with_input_power(self.feature_power)?;
        Ok(HashNet {
            backbone: self.backbone.init(device),
            head,
        })
    }
}

/// Backbone + hash head.
#[derive(Module, Debug)]
pub struct HashNet {
    /// The feature extractor.
    pub backbone: Backbone,
    /// The hash head (usable alone on cached features).
    pub head: HashHead,
}

impl HashNet {
    /// Relaxed codes `[N, bits]` in `(-1, 1)` of normalised images `[N, 3, H, W]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head.forward(self.backbone.features(images))
    }

    /// Pooled backbone features `[N, D]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        self.backbone.features(images)
    }

    /// Writes every parameter and running statistic to a burnpack file.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        self.clone()
            .save_file(path)
            .map_err(|err| ModelError::Record {
                path: path.to_path_buf(),
                action: "save",
                message: err.to_string(),
            })
    }

    /// Rebuilds a network from its configuration and a file written by [`HashNet::save`].
    pub fn load(config: &HashNetConfig, path: &Path, device: &Device) -> Result<Self, ModelError> {
        let record_error = |message: String| ModelError::Record {
            path: path.to_path_buf(),
            action: "load",
            message,
        };
        if !path.is_file() {
            return Err(record_error("no such file".to_string()));
        }
        config
            .init(device)?
            .try_load_file(path)
            .map_err(|err| record_error(err.to_string()))
    }
}
