//! `deephash features`: pooled backbone features of every image in a folder, as float32 `.npy`
//! (N × D) plus a sibling `.txt` with the relative paths in row order.

use std::path::PathBuf;
use std::time::Instant;

use deephash::DeviceSpec;
use deephash::features::{folder_features, write_features};
use deephash::model::BackboneKind;

/// Arguments of `deephash features`.
#[derive(clap::Args)]
pub struct Args {
    /// resnet18, resnet34, resnet50, efficientnet-lite0 or small-cnn.
    #[arg(long)]
    backbone: BackboneKind,
    /// PyTorch state dict (.pth, .pt or .safetensors) of the backbone.
    #[arg(long)]
    weights: PathBuf,
    /// Folder searched recursively for JPEG and PNG files.
    #[arg(long)]
    images: PathBuf,
    /// Output .npy file (float32, N × D); the paths go to the same name with .txt.
    #[arg(long)]
    out: PathBuf,
    /// Images per forward pass.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[arg(long, default_value = "cpu")]
    device: DeviceSpec,
}

/// Runs `deephash features`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let (files, table) = folder_features(
        args.backbone,
        &args.weights,
        &args.images,
        args.batch,
        &args.device,
    )?;
    let dim = table.dim;
    write_features(&args.out, &files, &table)?;
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(images = files.len(), dim, seconds, "features written");
    eprintln!(
        "{} images, {dim}-d features -> {} ({:.1} images/s)",
        files.len(),
        args.out.display(),
        files.len() as f64 / seconds.max(1e-9)
    );
    Ok(())
}
