//! `deephash features`: pooled backbone features of every image in a folder, as float32 `.npy`
//! (N × D) plus a sibling `.txt` with the relative paths in row order.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use deephash_data::{TransformConfig, decode_file, list_images};
use deephash_model::burn::tensor::{Device, Tensor, TensorData};
use deephash_model::{Backbone, BackboneKind, DeviceSpec, backbone_from_weights};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

/// Arguments of `deephash features`.
#[derive(clap::Args)]
pub struct Args {
    /// resnet18, resnet34, resnet50, efficientnet-lite0 or small-cnn.
    #[arg(long)]
    backbone: String,
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
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
}

/// Runs `deephash features`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let kind: BackboneKind = args.backbone.parse()?;
    let device = args.device.parse::<DeviceSpec>()?.device()?;
    let backbone = backbone_from_weights(kind, &args.weights, &device)?;
    let files = list_images(&args.images)?;
    if files.is_empty() {
        bail!("{}: no JPEG or PNG images found", args.images.display());
    }
    let transform = deephash::train::memory_source::transforms_for(kind).1;
    let started = Instant::now();
    let bar = progress(files.len());
    let mut rows = Vec::new();
    for chunk in files.chunks(args.batch.max(1)) {
        let batch = load_batch(&args.images, chunk, &transform, kind.input_size(), &device)?;
        rows.extend(features(&backbone, batch)?);
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let dim = rows.len() / files.len();
    write_npy(&args.out, &rows, files.len(), dim)?;
    write_paths(&args.out.with_extension("txt"), &files)?;
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

/// Decodes and transforms a batch in parallel into an `[N, 3, S, S]` tensor.
fn load_batch(
    root: &Path,
    files: &[PathBuf],
    transform: &TransformConfig,
    side: usize,
    device: &Device,
) -> anyhow::Result<Tensor<4>> {
    let images = files
        .par_iter()
        .map(|rel| {
            let image = decode_file(&root.join(rel), deephash_data::DEFAULT_MAX_PIXELS)?;
            Ok(transform.apply(&image, 0)?)
        })
        .collect::<anyhow::Result<Vec<Vec<f32>>>>()?;
    let pixels = images.concat();
    let data = TensorData::new(pixels, [files.len(), 3, side, side]);
    Ok(Tensor::from_data(data, device))
}

fn features(backbone: &Backbone, batch: Tensor<4>) -> anyhow::Result<Vec<f32>> {
    backbone
        .features(batch)
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("reading features back: {e:?}"))
}

fn progress(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} images {per_sec} ETA {eta}")
            .expect("valid template"),
    );
    bar
}

/// Writes `rows` as a float32 `(n, dim)` .npy file (atomically).
fn write_npy(path: &Path, rows: &[f32], n: usize, dim: usize) -> anyhow::Result<()> {
    deephash_codes::npy::write_npy_rows(path, &[n as u64, dim as u64], rows.iter().copied())?;
    Ok(())
}

/// Writes one relative path per line, in row order.
fn write_paths(path: &Path, files: &[PathBuf]) -> anyhow::Result<()> {
    let mut out = BufWriter::new(
        std::fs::File::create(path)
            .with_context(|| format!("{}: cannot create", path.display()))?,
    );
    for file in files {
        writeln!(out, "{}", file.display())
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    out.flush()
        .with_context(|| format!("{}: cannot write", path.display()))
}
