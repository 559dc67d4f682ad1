//! One optimiser step for the modules the trainer trains, with separate learning rates for
//! the backbone and the head.

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::Gradients;
use deephash_model::{HashHead, HashNet};

/// A module the training loop can update.
pub trait TrainModule: burn::module::Module + Sized {
    /// Applies one step with learning rate `head_lr` to the head's parameters and
    /// `backbone_lr` to the backbone's (modules without a backbone ignore it).
    fn optimizer_step(
        self,
        optim: &mut ModuleOptimizer,
        grads: Gradients,
        head_lr: f64,
        backbone_lr: f64,
    ) -> Self;
}

impl TrainModule for HashHead {
    fn optimizer_step(
        self,
        optim: &mut ModuleOptimizer,
        grads: Gradients,
        head_lr: f64,
        _backbone_lr: f64,
    ) -> Self {
        let grads = GradientsParams::from_grads(grads, &self);
        optim.step(head_lr, self, grads)
    }
}

impl TrainModule for HashNet {
    fn optimizer_step(
        self,
        optim: &mut ModuleOptimizer,
        mut grads: Gradients,
        head_lr: f64,
        backbone_lr: f64,
    ) -> Self {
        let head = GradientsParams::from_module(&mut grads, &self.head);
        let backbone = GradientsParams::from_module(&mut grads, &self.backbone);
        let net = optim.step(head_lr, self, head);
        if backbone_lr > 0.0 {
            optim.step(backbone_lr, net, backbone)
        } else {
            net
        }
    }
}
