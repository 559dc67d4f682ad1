//! `deephash eval`: retrieval metrics of query codes against a code database.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, anyhow};
use deephash_metrics::{DEFAULT_RADIUS, EvalConfig, EvalFiles, evaluate_files};

/// Arguments of `deephash eval`.
///
/// The four files are optional at the parser level so that other sources of
/// codes (a run directory) can be added later; today all four are needed and a
/// missing one is a one-line error.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Query codes: packed uint8 .npy (N x bits/8) or a deephash code database.
    #[arg(long, value_name = "FILE")]
    pub query_codes: Option<PathBuf>,
    /// Query labels: int64/int32 .npy (one class each) or a 2-D 0/1 matrix (multi-label).
    #[arg(long, value_name = "FILE")]
    pub query_labels: Option<PathBuf>,
    /// Database codes: packed uint8 .npy or a deephash code database.
    #[arg(long, value_name = "FILE")]
    pub db_codes: Option<PathBuf>,
    /// Database labels, as for the queries.
    #[arg(long, value_name = "FILE")]
    pub db_labels: Option<PathBuf>,
    /// Cut-off for mAP@k and precision@k (1..=database size); without it,
    /// precision@k uses k = 100 (or the database size if smaller) and no mAP@k is given.
    #[arg(long, value_name = "K")]
    pub topk: Option<usize>,
    /// Hamming radius of precision/recall within the radius.
    #[arg(long, value_name = "R", default_value_t = DEFAULT_RADIUS)]
    pub radius: u32,
    /// Print one JSON object (every metric and curve) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A trained run instead of code files: its test split queries its training split;
    /// writes RUN/metrics.json and RUN/report.html.
    #[cfg(feature = "ml")]
    #[arg(long, value_name = "RUN", conflicts_with_all = ["query_codes", "query_labels", "db_codes", "db_labels"])]
    pub run: Option<PathBuf>,
    /// Compute device for --run: cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[cfg(feature = "ml")]
    #[arg(long, default_value = "cpu")]
    pub device: deephash::DeviceSpec,
}

/// Runs `deephash eval`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = EvalConfig {
        topk: args.topk,
        radius: args.radius,
        curve_ks: None,
    };
    #[cfg(feature = "ml")]
    if let Some(run) = &args.run {
        return eval_run(run, &args.device, &config, args.json);
    }
    let started = Instant::now();
    let report = evaluate_files(&inputs(&args)?, &config)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "evaluated");
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("cannot write the metrics as JSON")?
        );
    } else {
        print!("{report}");
    }
    Ok(())
}

/// `deephash eval --run RUN`: evaluates the run, writes `RUN/metrics.json` and
/// `RUN/report.html`, and prints the JSON object (`json`) or the console table.
#[cfg(feature = "ml")]
fn eval_run(
    run: &Path,
    device: &deephash::DeviceSpec,
    config: &EvalConfig,
    json: bool,
) -> anyhow::Result<()> {
    let done = deephash::evaluate_and_report(run, device, config)?;
    if json {
        println!("{}", serde_json::to_string(&done.eval.report)?);
    } else {
        print!("{}", deephash::report::map_table_text(&[done.eval.report]));
    }
    eprintln!(
        "wrote {} and {}",
        done.metrics.display(),
        done.report.display()
    );
    Ok(())
}

/// The four paths, or an error naming the first missing option.
fn inputs(args: &Args) -> anyhow::Result<EvalFiles<'_>> {
    Ok(EvalFiles {
        query_codes: required(&args.query_codes, "--query-codes")?,
        query_labels: required(&args.query_labels, "--query-labels")?,
        db_codes: required(&args.db_codes, "--db-codes")?,
        db_labels: required(&args.db_labels, "--db-labels")?,
    })
}

/// The path given with `flag`, or an error saying that `flag` is required.
fn required<'a>(path: &'a Option<PathBuf>, flag: &str) -> anyhow::Result<&'a Path> {
    path.as_deref()
        .ok_or_else(|| anyhow!("{flag} FILE is required (see `deephash eval --help`)"))
}
