//! `deephash fetch`: download a data set or pretrained weights, verify, unpack, check the layout.

use std::path::PathBuf;

use anyhow::Context;
use deephash_data::fetch::{BASE_URL_ENV, FetchOptions, FetchTarget, fetch};

/// Arguments of `deephash fetch`.
#[derive(clap::Args)]
pub struct Args {
    /// What to fetch: cub, dogs, resnet18 or resnet50.
    #[arg(value_parser = parse_target)]
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

fn parse_target(s: &str) -> Result<FetchTarget, String> {
    s.parse()
        .map_err(|e: deephash_data::DataError| e.to_string())
}

/// Runs `deephash fetch`: prints the path to use (`--data-dir` or `--weights`) on success.
pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| match args.what {
        FetchTarget::Cub => PathBuf::from("data/cub"),
        FetchTarget::Dogs => PathBuf::from("data/dogs"),
        FetchTarget::Resnet18 | FetchTarget::Resnet50 => PathBuf::from("weights"),
    });
    let opts = FetchOptions {
        dir: dir.clone(),
        base_url: args
            .base_url
            .or_else(|| std::env::var(BASE_URL_ENV).ok().filter(|s| !s.is_empty())),
        quiet: args.quiet,
    };
    let path = fetch(args.what, &opts).with_context(|| format!("fetch into {}", dir.display()))?;
    let flag = if args.what.is_dataset() {
        "--data-dir"
    } else {
        "--weights"
    };
    println!("{flag} {}", path.display());
    Ok(())
}
