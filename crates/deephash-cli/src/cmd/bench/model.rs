//! `deephash bench model`: network throughput in images per second, inference (evaluation mode)
//! or one training step (forward, backward, SGD with momentum and weight decay). The PyTorch
//! counterpart is `scripts/bench_torch_model.py`.

use std::time::Instant;

use deephash_model::burn::optim::decay::WeightDecayConfig;
use deephash_model::burn::optim::momentum::MomentumConfig;
use deephash_model::burn::optim::{GradientsParams, SgdConfig};
use deephash_model::burn::tensor::{Device, Distribution, Tensor};
use deephash_model::{BackboneKind, DeviceSpec, HashNet, HashNetConfig, HeadKind};

/// Arguments of `deephash bench model`.
#[derive(clap::Args)]
pub struct Args {
    /// resnet18, resnet34, resnet50, efficientnet-lite0 or small-cnn.
    #[arg(long, default_value = "resnet18")]
    backbone: String,
    /// Images per batch.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Time a training step instead of inference.
    #[arg(long)]
    train: bool,
    /// Timed batches (after one untimed warm-up batch).
    #[arg(long, default_value_t = 5)]
    iters: usize,
    /// cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[arg(long, default_value = "cpu")]
    device: String,
}

/// Runs `deephash bench model` and prints `img_per_s=<number>`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let kind: BackboneKind = args.backbone.parse()?;
    let spec: DeviceSpec = args.device.parse()?;
    let config = HashNetConfig::new(kind, HeadKind::Linear, 64);
    let side = kind.input_size();
    let seconds = if args.train {
        let device = spec.training_device()?;
        time_training(config.init(&device)?, &device, args.batch, side, args.iters)?
    } else {
        let device = spec.device()?;
        time_inference(
            &config.init(&device)?,
            &device,
            args.batch,
            side,
            args.iters,
        )?
    };
    let img_per_s = (args.batch * args.iters) as f64 / seconds;
    tracing::info!(backbone = %kind, batch = args.batch, train = args.train, seconds, "bench model");
    println!("img_per_s={img_per_s:.2}");
    Ok(())
}

fn images(batch: usize, side: usize, device: &Device) -> Tensor<4> {
    Tensor::random(
        [batch, 3, side, side],
        Distribution::Normal(0.0, 1.0),
        device,
    )
}

/// Seconds for `iters` evaluation-mode forward passes (features and head), after one warm-up.
fn time_inference(
    net: &HashNet,
    device: &Device,
    batch: usize,
    side: usize,
    iters: usize,
) -> anyhow::Result<f64> {
    let x = images(batch, side, device);
    let run = || net.forward(x.clone()).into_data();
    run();
    let start = Instant::now();
    for _ in 0..iters {
        run();
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Seconds for `iters` training steps (train-mode forward, a loss, backward, SGD step).
fn time_training(
    mut net: HashNet,
    device: &Device,
    batch: usize,
    side: usize,
    iters: usize,
) -> anyhow::Result<f64> {
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
    let start = Instant::now();
    for _ in 0..iters {
        net = step(net);
    }
    Ok(start.elapsed().as_secs_f64())
}
