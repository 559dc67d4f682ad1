//! `deephash demo`: the first command a newcomer runs. Trains the small CNN on the bundled
//! Fashion-MNIST subset at 16, 32 and 64 bits (no download, no GPU), evaluates every run
//! honestly (test queries against the training database), prints the mAP table and writes
//! `DIR/report.html` and `DIR/metrics.json`.
//!
//! Only the longest code length is trained end to end; the shorter ones train their hash head
//! on that run's frozen backbone (`deephash train --mode frozen --weights RUN`), seconds
//! instead of minutes each, which keeps the whole demo within a few minutes on a laptop CPU.
//! Every run trains in this process through [`deephash::training`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use deephash::DeviceSpec;
use deephash::evaluation::report::report_runs;
use deephash::report::map_table_text;
use deephash::training::demo::{DEMO_EPOCHS, demo_model_fact, demo_settings};
use deephash::training::{TrainOptions, install_ctrlc};

use super::train::train_one;

/// Arguments of `deephash demo`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  deephash demo                  # about 3-5 minutes on 2 CPU cores; writes deephash-demo/report.html
  deephash demo --out /tmp/demo  # somewhere else

Runs are kept in DIR/runs/fm16, fm32, fm64 (use them with `deephash encode`, `query`,
`eval --run`); running the demo again replaces them.")]
pub struct Args {
    /// Folder for the runs, report.html and metrics.json.
    #[arg(long, value_name = "DIR", default_value = "deephash-demo")]
    pub out: PathBuf,
    /// Code lengths to train (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [16usize, 32, 64], hide = true)]
    pub bits: Vec<usize>,
    /// Epochs of the end-to-end run (the longest code length).
    #[arg(long, default_value_t = DEMO_EPOCHS, hide = true)]
    pub epochs: usize,
    /// Only the first N images of each class of each split (quick runs and tests).
    #[arg(long, value_name = "N", hide = true)]
    pub max_per_class: Option<usize>,
    /// Compute device: cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[arg(long, default_value = "cpu", hide = true)]
    pub device: DeviceSpec,
    /// Logs only, no progress bars (passed to training).
    #[arg(long, hide = true)]
    pub quiet: bool,
}

/// Runs `deephash demo`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut bits = args.bits.clone();
    bits.sort_unstable();
    bits.dedup();
    let Some(&longest) = bits.last() else {
        bail!("--bits needs at least one code length");
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create the demo folder", args.out.display()))?;
    let list: Vec<String> = bits.iter().map(ToString::to_string).collect();
    let list = list.join("/");
    eprintln!("deephash demo: small CNN on the bundled Fashion-MNIST subset, {list} bits");
    let run_dir = |b: usize| args.out.join("runs").join(format!("fm{b}"));
    let base = run_dir(longest);
    let options = TrainOptions {
        quiet: args.quiet,
        interrupt: Some(install_ctrlc()?),
        ..TrainOptions::default()
    };
    // The longest first: the shorter ones train on its frozen backbone.
    let mut train_seconds = Vec::new();
    for b in std::iter::once(longest).chain(bits.iter().copied().filter(|&b| b != longest)) {
        let t = Instant::now();
        let frozen_on = (b != longest).then_some(base.as_path());
        train(&args, b, &run_dir(b), frozen_on, &options)?;
        train_seconds.push((b, t.elapsed().as_secs_f64()));
    }
    train_seconds.sort_by_key(|(b, _)| *b);
    let model = demo_model_fact(longest, args.epochs);
    let times = || {
        let mut facts: Vec<(String, String)> = (train_seconds.iter())
            .map(|(bits, s)| (format!("training time, {bits} bits"), format!("{s:.1} s")))
            .collect();
        let total = started.elapsed().as_secs_f64();
        facts.push(("total time".into(), format!("{total:.1} s")));
        facts
    };
    let runs: Vec<PathBuf> = bits.iter().map(|&b| run_dir(b)).collect();
    let title = "deephash demo: Fashion-MNIST subset, small CNN";
    let done = report_runs(&args.out, &runs, &args.device, title, model, times)?;
    let dataset = &done.dataset;
    let results: Vec<_> = done.evals.iter().map(|e| e.report.clone()).collect();
    println!(
        "\nTest queries vs the training database ({} queries, {} database images):",
        dataset.test.len(),
        dataset.train.len()
    );
    print!("{}", map_table_text(&results));
    println!(
        "\nreport: {}\nmetrics: {}\nruns: {}\ntotal time: {:.1} s",
        done.report.display(),
        done.metrics.display(),
        args.out.join("runs").display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Trains one run, replacing an earlier demo run in the same place: end to end for
/// `args.epochs` epochs, or, with `frozen_on`, only a hash head on the frozen backbone of that
/// finished run.
fn train(
    args: &Args,
    bits: usize,
    run: &Path,
    frozen_on: Option<&Path>,
    options: &TrainOptions,
) -> anyhow::Result<()> {
    if run.join("config.toml").is_file() {
        std::fs::remove_dir_all(run)
            .with_context(|| format!("{}: cannot replace the earlier demo run", run.display()))?;
    }
    let settings = demo_settings(
        bits,
        frozen_on,
        args.epochs,
        args.device,
        args.max_per_class,
    );
    train_one(run, bits, &settings.run_config()?, options)
}
