//! `deephash fetch`: download a data set or pretrained weights, verify, unpack, check the layout.

use std::path::PathBuf;

use anyhow::Context;
use deephash_data::fetch::{FetchOptions, FetchTarget, fetch};

/// Arguments of `deephash fetch`.
#[derive(clap::Args)]
pub struct Args {
    /// What to fetch: cub, dogs, resnet18 or resnet50.
    what: FetchTarget,
    /// Destination folder (default: `data/<name>` for data sets, `weights/` for weights).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Fetch every file from `URL/<file name>` instead of the official servers (a mirror);
    /// also read from the environment variable DEEPHASH_FETCH_BASE_URL.
    #[arg(long, hide = true)]
    base_url: Option<String>,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

/// Runs `deephash fetch`: prints the path to use (`--data-dir` or `--weights`) on success.
pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| args.what.default_dir());
    let opts = FetchOptions {
        dir: dir.clone(),
        base_url: FetchOptions::base_url_or_env(args.base_url),
        quiet: args.quiet,
    };
    let path = fetch(args.what, &opts).with_context(|| format!("fetch into {}", dir.display()))?;
    println!("{} {}", args.what.used_with(), path.display());
    Ok(())
}
