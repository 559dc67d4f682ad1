//! `deephash demo`: the first command a newcomer runs. Trains the small CNN on the bundled
//! Fashion-MNIST subset at 16, 32 and 64 bits (no download, no GPU), evaluates every run
//! honestly (test queries against the training database), prints the mAP table and writes
//! `DIR/report.html` and `DIR/metrics.json`.

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
    /// Epochs per run (default: the small CNN's recipe).
    #[arg(long, hide = true)]
    pub epochs: Option<usize>,
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

/// Runs `deephash demo`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    if args.bits.is_empty() {
        bail!("--bits needs at least one code length");
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create the demo folder", args.out.display()))?;
    eprintln!(
        "deephash demo: small CNN on the bundled Fashion-MNIST subset, {} bits",
        args.bits
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("/")
    );
    let mut evals: Vec<RunEval> = Vec::new();
    let mut train_seconds = Vec::new();
    let mut dataset = None;
    for &bits in &args.bits {
        let run = args.out.join("runs").join(format!("fm{bits}"));
        let t = Instant::now();
        train(&args, bits, &run)?;
        train_seconds.push((bits, t.elapsed().as_secs_f64()));
        let (eval, data) = evaluate_run(&run, &args.device, &EvalConfig::default())?;
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
            "small CNN trained from scratch, linear hash head, tanh, triplet loss".into(),
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
/// earlier demo run in the same place.
fn train(args: &Args, bits: usize, run: &Path) -> anyhow::Result<()> {
    if run.join("config.toml").is_file() {
        std::fs::remove_dir_all(run)
            .with_context(|| format!("{}: cannot replace the earlier demo run", run.display()))?;
    }
    let mut cmd = train_command()?;
    cmd.args(["--dataset", "fashion-mnist", "--backbone", "small-cnn"])
        .args(["--bits", &bits.to_string(), "--device", &args.device])
        .arg("--out")
        .arg(run);
    if let Some(e) = args.epochs {
        cmd.args(["--epochs", &e.to_string()]);
    }
    run_train_child(cmd, bits, run, args.max_per_class, args.quiet)
}
