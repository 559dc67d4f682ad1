//! `deephash demo`: the first command a newcomer runs. Trains the small CNN on the bundled
//! Fashion-MNIST subset at 16, 32 and 64 bits (no download, no GPU), evaluates every run
//! honestly (test queries against the training database), prints the mAP table and writes
//! `DIR/report.html` and `DIR/metrics.json`.
//!
//! Only the longest code length is trained end to end; the shorter ones train their hash head
//! on that run's frozen backbone (`deephash train --mode frozen --weights RUN`), seconds
//! instead of minutes each, which keeps the whole demo within a few minutes on a laptop CPU.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use deephash_metrics::EvalConfig;
use deephash_report::{map_table_text, write_metrics_json};

use super::workflow::evaluation::{RunEval, evaluate_run, protocol_facts, write_report};
use super::workflow::{run_train_child, train_command};

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
    /// Compute device: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu", hide = true)]
    pub device: String,
    /// Logs only, no progress bars (passed to training).
    #[arg(long, hide = true)]
    pub quiet: bool,
}

/// Epochs of the demo's end-to-end run: fewer than the small CNN's full recipe
/// (`deephash train`), so that the demo stays within about five minutes on 2 CPU cores.
pub const DEMO_EPOCHS: usize = 8;

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
    eprintln!(
        "deephash demo: small CNN on the bundled Fashion-MNIST subset, {} bits",
        bits.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("/")
    );
    let run_dir = |b: usize| args.out.join("runs").join(format!("fm{b}"));
    let base = run_dir(longest);
    let mut train_seconds = Vec::new();
    let t = Instant::now();
    train(&args, longest, &base, None)?;
    train_seconds.push((longest, t.elapsed().as_secs_f64()));
    for &b in bits.iter().filter(|&&b| b != longest) {
        let t = Instant::now();
        train(&args, b, &run_dir(b), Some(&base))?;
        train_seconds.push((b, t.elapsed().as_secs_f64()));
    }
    train_seconds.sort_by_key(|(b, _)| *b);
    let mut evals: Vec<RunEval> = Vec::new();
    let mut dataset = None;
    for &b in &bits {
        let (eval, data) = evaluate_run(&run_dir(b), &args.device, &EvalConfig::default())?;
        evals.push(eval);
        dataset = Some(data);
    }
    let dataset = dataset.context("no run was trained")?;
    let results: Vec<_> = evals.iter().map(|e| e.report.clone()).collect();
    let metrics = args.out.join("metrics.json");
    write_metrics_json(&metrics, &results)?;
    let mut facts = protocol_facts(&dataset, &evals);
    facts.insert(
        1,
        (
            "model".into(),
            format!(
                "small CNN trained from scratch at {longest} bits ({} epochs), linear hash head, \
                 tanh, triplet loss; shorter codes: a head trained on its frozen backbone",
                args.epochs
            ),
        ),
    );
    for (bits, s) in &train_seconds {
        facts.push((format!("training time, {bits} bits"), format!("{s:.1} s")));
    }
    facts.push((
        "total time".into(),
        format!("{:.1} s", started.elapsed().as_secs_f64()),
    ));
    let title = "deephash demo: Fashion-MNIST subset, small CNN";
    let report = write_report(&args.out, title, facts, &evals, &dataset)?;
    println!(
        "\nTest queries vs the training database ({} queries, {} database images):",
        dataset.test.len(),
        dataset.train.len()
    );
    print!("{}", map_table_text(&results));
    println!(
        "\nreport: {}\nmetrics: {}\nruns: {}\ntotal time: {:.1} s",
        report.display(),
        metrics.display(),
        args.out.join("runs").display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Trains one run with `deephash train` (a child process of this binary, so each run has
/// its own Ctrl-C handling and the exact recipe of the train command), replacing an
/// earlier demo run in the same place: end to end for `args.epochs` epochs, or, with
/// `frozen_on`, only a hash head on the frozen backbone of that finished run.
fn train(args: &Args, bits: usize, run: &Path, frozen_on: Option<&Path>) -> anyhow::Result<()> {
    if run.join("config.toml").is_file() {
        std::fs::remove_dir_all(run)
            .with_context(|| format!("{}: cannot replace the earlier demo run", run.display()))?;
    }
    let mut cmd = train_command()?;
    cmd.args(["--dataset", "fashion-mnist", "--backbone", "small-cnn"])
        .args(["--bits", &bits.to_string(), "--device", &args.device])
        .arg("--out")
        .arg(run);
    match frozen_on {
        Some(base) => {
            cmd.args(["--mode", "frozen", "--weights"]).arg(base);
        }
        None => {
            // Validated once, at the end: with the cosine schedule the last epoch is the
            // one selected anyway, and each validation costs an encoding of the split.
            let epochs = args.epochs.to_string();
            cmd.args(["--epochs", &epochs, "--validate-every", &epochs]);
        }
    }
    run_train_child(cmd, bits, run, args.max_per_class, args.quiet)
}
