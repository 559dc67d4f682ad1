//! `deephash bench model`: network throughput in images per second, inference (evaluation mode)
//! or one training step (forward, backward, SGD with momentum and weight decay), timed by
//! [`deephash_model::throughput`]. The PyTorch counterpart is `scripts/bench_torch_model.py`.

use deephash_model::throughput::ThroughputRun;
use deephash_model::{BackboneKind, DeviceSpec};

/// Arguments of `deephash bench model`.
#[derive(clap::Args)]
pub struct Args {
    /// resnet18, resnet34, resnet50, efficientnet-lite0 or small-cnn.
    #[arg(long, default_value = "resnet18")]
    backbone: BackboneKind,
    /// Images per batch.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Time a training step instead of inference.
    #[arg(long)]
    train: bool,
    /// Timed batches (after one untimed warm-up batch).
    #[arg(long, default_value_t = 5)]
    iters: usize,
    /// Inference through the module, folding the batch norms again on every batch (as before
    /// the inference form; for A/B comparisons).
    #[arg(long)]
    fold_per_call: bool,
    /// cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[arg(long, default_value = "cpu")]
    device: DeviceSpec,
}

/// Runs `deephash bench model` and prints `img_per_s=<number>`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let run = ThroughputRun {
        backbone: args.backbone,
        batch: args.batch,
        train: args.train,
        iters: args.iters,
        fold_per_call: args.fold_per_call,
    };
    let seconds = run.seconds(&args.device)?;
    let img_per_s = run.images_per_second(seconds);
    tracing::info!(backbone = %args.backbone, batch = args.batch, train = args.train, seconds, "bench model");
    println!("img_per_s={img_per_s:.2}");
    Ok(())
}
