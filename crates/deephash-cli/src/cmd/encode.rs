//! `deephash encode`: binary codes of a data set split or a folder of images, with a
//! trained run, written as a code database (ids = image paths, labels) or `.npy`.

use std::path::PathBuf;
use std::time::Instant;

use deephash::data::{DatasetKind, Shard};
use deephash::{DeviceSpec, HashEncoder, Split, SplitRequest, write_code_file};

/// Arguments of `deephash encode`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    deephash encode --run runs/fmnist-64 --images photos/ --out photos.dhc\n  \
    deephash encode --run runs/cub-64 --dataset cub --data-dir data/CUB_200_2011 --split train --out cub-train.dhc\n  \
    deephash encode --run runs/cub-64 --images photos/ --out photos.npy   (+ photos.ids.txt)\n  \
    deephash encode --run runs/cub-64 --images photos/ --shard 2/8 --out photos-2.dhc   (machine 3 of 8)")]
pub struct Args {
    /// The trained run directory (from `deephash train`).
    #[arg(long, value_name = "RUN")]
    pub run: PathBuf,
    /// Encode every image file under this folder (sorted by relative path; no labels).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["dataset", "data_dir"])]
    pub images: Option<PathBuf>,
    /// Encode a data set (fashion-mnist, cub, dogs, folder, list) instead of a folder.
    /// Parsed after the arguments, so that an unknown name is a one-line error.
    #[arg(long, value_name = "NAME", required_unless_present = "images")]
    pub dataset: Option<String>,
    /// The data set's directory (default: the data set's default location).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Which part of the data set.
    #[arg(long, value_enum, default_value_t = Split::All)]
    pub split: Split,
    /// Output: `.npy` (packed uint8 codes, labels in OUT.labels.npy, paths in OUT.ids.txt),
    /// anything else the own code-database format with paths and labels.
    #[arg(long, value_name = "CODES")]
    pub out: PathBuf,
    /// Images per forward pass.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Folder for the decoded-image cache of file data sets (decoded once, reused).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Log and leave out data-set images that cannot be read instead of stopping.
    #[arg(long)]
    pub skip_bad: bool,
    /// Encode only shard I of N (`I/N`, 0 ≤ I < N): a deterministic, disjoint 1/N of the images
    /// in their usual order, so N machines encode in parallel; `deephash codes merge` joins
    /// the N outputs, in shard order, into the file one unsharded encode writes.
    #[arg(long, value_name = "I/N", default_value = "0/1")]
    pub shard: Shard,
    /// Compute device: cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[arg(long, default_value = "cpu")]
    pub device: DeviceSpec,
}

/// Runs `deephash encode`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let encoder = HashEncoder::open(&args.run, &args.device)?;
    let encoded = match (&args.images, &args.dataset) {
        (Some(dir), _) => encoder.encode_folder_shard(dir, args.batch, args.shard)?,
        (None, Some(name)) => encoder.encode_split(&SplitRequest {
            kind: name.parse::<DatasetKind>()?,
            data_dir: args.data_dir.clone(),
            split: args.split,
            batch: args.batch,
            cache: args.cache_dir.clone(),
            skip_bad: args.skip_bad,
            shard: args.shard,
        })?,
        (None, None) => {
            anyhow::bail!("give --images DIR or --dataset NAME (see `deephash encode --help`)")
        }
    };
    let (db, meta) = (&encoded.db, &encoded.meta);
    let written = write_code_file(&args.out, db, meta)?;
    let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!(
        "encoded {} images to {}-bit codes in {:.1} s: {}",
        db.codes.len(),
        db.codes.bits(),
        started.elapsed().as_secs_f64(),
        files.join(", ")
    );
    Ok(())
}
