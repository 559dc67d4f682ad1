//! `deephash bench pipeline`: images per second of the input pipeline (decode JPEG, resize to
//! 256 x 256, random 224 crop, flip, normalise to f32 CHW) through the parallel batch loader, and
//! the same from the decoded-image cache. Without `--images`, photo-like 500 x 375 JPEGs (the
//! typical CUB size) are generated in a temporary folder first, so the run needs no data set.

use std::path::PathBuf;

use deephash_data::bench::{PipelineBench, run_pipeline_bench};

/// Arguments of `deephash bench pipeline`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder of images to use (default: generate `--count` synthetic JPEGs).
    #[arg(long)]
    images: Option<PathBuf>,
    /// Number of synthetic images (or the most taken from `--images`).
    #[arg(long, default_value_t = 256)]
    count: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// Runs the benchmark; the last line is `img_per_s=<number>` (full pipeline from image files).
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.batch > 0 && args.count > 0,
        "--batch and --count must be at least 1"
    );
    let report = run_pipeline_bench(&PipelineBench {
        images: args.images,
        count: args.count,
        batch: args.batch,
        threads: args.threads.unwrap_or(0),
    })?;
    println!(
        "deephash pipeline N={} batch={} threads={} from_files_img_per_s={:.1} from_cache_img_per_s={:.1}",
        report.images, args.batch, report.threads, report.from_files, report.from_cache
    );
    println!("img_per_s={:.1}", report.from_files);
    Ok(())
}
