//! Network throughput (what `deephash bench model` measures): seconds for a number of batches
//! of random images through a standard network with a 64-bit linear head, in inference
//! (evaluation mode) or as training steps (forward, backward, SGD with momentum and weight
//! decay). The PyTorch counterpart is `scripts/bench_torch_model.py`.

use std::time::Instant;

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Device, Distribution, Tensor};

use crate::{BackboneKind, DeviceSpec, HashNet, HashNetConfig, HeadKind, ModelError};

/// What to time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThroughputRun {
    /// The network's backbone (its standard size and input side).
    pub backbone: BackboneKind,
    /// Images per batch.
    pub batch: usize,
    /// Training steps instead of inference.
    pub train: bool,
    /// Timed batches, after one untimed warm-up batch.
    pub iters: usize,
    /// Inference through the module itself, folding every batch norm again on every batch
    /// (what ran before the inference form; for A/B comparisons) instead of through the
    /// network's inference form ([`HashNet::inference`], folded once).
    pub fold_per_call: bool,
}

impl ThroughputRun {
    /// Seconds for the timed batches on `device`.
    pub fn seconds(&self, device: &DeviceSpec) -> Result<f64, ModelError> {
        let config = HashNetConfig::new(self.backbone, HeadKind::Linear, 64);
        let side = self.backbone.input_size();
        if self.train {
            let device = device.training_device()?;
            let net = config.init(&device)?;
            time_training(net, &device, self.batch, side, self.iters)
        } else {
            let device = device.device()?;
            let net = config.init(&device)?;
            Ok(time_inference(
                net,
                &device,
                self.batch,
                side,
                self.iters,
                self.fold_per_call,
            ))
        }
    }

    /// Images per second over the timed batches that took `seconds`.
    pub fn images_per_second(&self, seconds: f64) -> f64 {
        (self.batch * self.iters) as f64 / seconds
    }
}

fn images(batch: usize, side: usize, device: &Device) -> Tensor<4> {
    Tensor::random(
        [batch, 3, side, side],
        Distribution::Normal(0.0, 1.0),
        device,
    )
}

/// Seconds for `iters` evaluation-mode forward passes (features and head), after one warm-up,
/// through the network's inference form (built before the clock starts and the module then
/// dropped, as a loaded model keeps only that form), or through the module itself when
/// `fold_per_call`.
fn time_inference(
    net: HashNet,
    device: &Device,
    batch: usize,
    side: usize,
    iters: usize,
    fold_per_call: bool,
) -> f64 {
    let form = if fold_per_call {
        Err(net)
    } else {
        Ok(net.inference())
    };
    let x = images(batch, side, device);
    let run = || match &form {
        Ok(folded) => folded.forward(x.clone()).into_data(),
        Err(module) => module.forward(x.clone()).into_data(),
    };
    run();
    let start = Instant::now();
    for _ in 0..iters {
        run();
    }
    start.elapsed().as_secs_f64()
}

/// Seconds for `iters` training steps (train-mode forward, a loss, backward, SGD step). The clock
/// stops after the device has finished its queued work: on a GPU the steps only enqueue kernels.
fn time_training(
    mut net: HashNet,
    device: &Device,
    batch: usize,
    side: usize,
    iters: usize,
) -> Result<f64, ModelError> {
    let mut optim = SgdConfig::new()
        .with_momentum(Some(MomentumConfig {
            momentum: 0.9,
            dampening: 0.0,
            nesterov: false,
        }))
        .with_weight_decay(Some(WeightDecayConfig::new(5e-4)))
        .init();
    let x = images(batch, side, device);
    let mut step = |net: HashNet| {
        // Any scalar of the codes exercises the same backward pass as the triplet loss.
        let loss = net.forward(x.clone()).powi_scalar(2).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        optim.step(1e-3, net, grads)
    };
    net = step(net);
    let sync = |device: &Device| {
        device
            .sync()
            .map_err(|err| ModelError::Execution(format!("{err:?}")))
    };
    sync(device)?;
    let start = Instant::now();
    for _ in 0..iters {
        net = step(net);
    }
    sync(device)?;
    Ok(start.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_cnn_runs_both_ways_and_images_per_second_follow_from_the_time() {
        for (train, fold_per_call) in [(false, false), (false, true), (true, false)] {
            let run = ThroughputRun {
                backbone: BackboneKind::SmallCnn,
                batch: 2,
                train,
                iters: 1,
                fold_per_call,
            };
            let seconds = run.seconds(&DeviceSpec::Cpu).unwrap();
            assert!(seconds > 0.0, "train={train}");
            assert_eq!(run.images_per_second(0.5), 4.0);
        }
    }
}
