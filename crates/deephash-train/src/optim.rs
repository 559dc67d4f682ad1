//! Optimisers with PyTorch semantics, built on burn's implementations.
//!
//! burn 0.22.1's SGD adds `weight_decay * param` to the gradient, then applies momentum as
//! `v = (1 - dampening) * g + momentum * v` (the first step sets `v = g`) and updates
//! `param -= lr * v`: exactly `torch.optim.SGD` when dampening is 0. burn's momentum
//! default dampening is 0.1, so it is set to 0 here explicitly. Adam's `epsilon` is set to
//! PyTorch's 1e-8 (burn's default is 1e-5); burn adds it in the same place as PyTorch once
//! the bias corrections are folded in.

use std::fmt;
use std::str::FromStr;

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, SgdConfig};
use serde::{Deserialize, Serialize};

/// Optimiser family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// SGD with momentum and L2 weight decay added to the gradient (the seed's choice).
    #[default]
    Sgd,
    /// Adam with L2 weight decay added to the gradient (as `torch.optim.Adam`).
    Adam,
    /// AdamW: decoupled weight decay (as `torch.optim.AdamW`).
    AdamW,
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamW => "adamw",
        })
    }
}

impl FromStr for OptimizerKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sgd" => Ok(OptimizerKind::Sgd),
            "adam" => Ok(OptimizerKind::Adam),
            "adamw" => Ok(OptimizerKind::AdamW),
            _ => Err(format!(
                "unknown optimizer `{s}` (expected sgd, adam or adamw)"
            )),
        }
    }
}

/// Optimiser settings (the learning rate lives in the schedule).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OptimizerSettings {
    /// Which optimiser.
    pub kind: OptimizerKind,
    /// SGD momentum (PyTorch semantics, dampening 0).
    pub momentum: f64,
    /// Weight decay (L2 added to the gradient for SGD/Adam, decoupled for AdamW).
    pub weight_decay: f32,
    /// Adam/AdamW first-moment decay.
    pub beta1: f32,
    /// Adam/AdamW second-moment decay.
    pub beta2: f32,
    /// Adam/AdamW epsilon.
    pub epsilon: f32,
}

impl Default for OptimizerSettings {
    /// The seed's optimiser: SGD, momentum 0.9, weight decay 5e-4.
    fn default() -> Self {
        Self {
            kind: OptimizerKind::Sgd,
            momentum: 0.9,
            weight_decay: 5e-4,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }
}

impl OptimizerSettings {
    /// Builds the burn optimiser for a whole module.
    pub fn build(&self) -> ModuleOptimizer {
        match self.kind {
            OptimizerKind::Sgd => self.sgd(),
            OptimizerKind::Adam => AdamConfig::new()
                .with_beta_1(self.beta1)
                .with_beta_2(self.beta2)
                .with_epsilon(self.epsilon)
                .with_weight_decay(self.decay())
                .init(),
            OptimizerKind::AdamW => AdamWConfig::new()
                .with_beta_1(self.beta1)
                .with_beta_2(self.beta2)
                .with_epsilon(self.epsilon)
                .with_weight_decay(self.weight_decay)
                .init(),
        }
    }

    fn sgd(&self) -> ModuleOptimizer {
        let momentum = (self.momentum > 0.0).then_some(MomentumConfig {
            momentum: self.momentum,
            dampening: 0.0,
            nesterov: false,
        });
        SgdConfig::new()
            .with_momentum(momentum)
            .with_weight_decay(self.decay())
            .init()
    }

    fn decay(&self) -> Option<WeightDecayConfig> {
        (self.weight_decay > 0.0).then(|| WeightDecayConfig::new(self.weight_decay))
    }
}
