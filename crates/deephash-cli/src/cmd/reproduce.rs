//! `deephash reproduce`: the seed project's configuration on CUB-200-2011 or Stanford Dogs
//! at 16 and 64 bits — ResNet-18 fine-tuned end to end, linear hash head with tanh, triplet
//! loss over all valid triplets with margins 8 and 20, SGD (lr 0.001, momentum 0.9, weight
//! decay 5e-4) with step decay, batches of 10 classes x 8 images — evaluated with our honest
//! protocol (epoch chosen on a validation split carved from the training split, then every
//! test image queries the training split once), next to the seed's published mAP.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use deephash::evaluation::report::report_runs;
use deephash::training::seed::{SeedRun, published_map};
use deephash::training::seed_results::{SeedRow, model_fact, results_table};
use deephash::training::{TrainOptions, install_ctrlc};

use super::train::train_one;

/// Arguments of `deephash reproduce`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  deephash reproduce --dataset cub --data-dir data/CUB_200_2011 \\
      --weights weights/resnet18-f37072fd.pth --device cuda --out runs/reproduce-cub
  deephash reproduce --dataset dogs --data-dir data/StanfordDogs --weights weights/resnet18-f37072fd.pth
  # the same recipe with a hash-centre loss instead of the seed's triplet loss
  deephash reproduce --dataset cub --data-dir data/CUB_200_2011 \\
      --weights weights/resnet18-f37072fd.pth --device cuda --loss csq --out runs/reproduce-cub-csq

Fine-tuning ResNet-18 for 40 epochs per code length needs a GPU for reasonable times.
Writes OUT/results.md (our mAP next to the seed's), OUT/metrics.json and OUT/report.html.")]
pub struct Args {
    /// The reproduction: data, weights, device, loss, run length.
    #[command(flatten)]
    pub seed: SeedRun,
    /// Folder for the two runs and the results (default: reproduce-DATASET).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Code lengths (comma-separated; the seed published 16 and 64).
    #[arg(long, value_delimiter = ',', default_values_t = [16usize, 64], hide = true)]
    pub bits: Vec<usize>,
    /// Logs only, no progress bars (passed to training).
    #[arg(long, hide = true)]
    pub quiet: bool,
}

/// Runs `deephash reproduce`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.bits.is_empty() {
        bail!("--bits needs at least one code length");
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("reproduce-{}", args.seed.dataset)));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("{}: cannot create the output folder", out.display()))?;
    let options = TrainOptions {
        quiet: args.quiet,
        interrupt: Some(install_ctrlc()?),
        ..TrainOptions::default()
    };
    let mut runs = Vec::new();
    let mut train_seconds = Vec::new();
    for &bits in &args.bits {
        let run = out.join(format!("{}{bits}", args.seed.dataset));
        let taken = run.join("config.toml").is_file();
        let why = "already holds a run; remove it or choose another --out";
        anyhow::ensure!(!taken, "{} {why}", run.display());
        let t = Instant::now();
        train_one(
            &run,
            bits,
            &args.seed.settings(bits).run_config()?,
            &options,
        )?;
        train_seconds.push(t.elapsed().as_secs_f64());
        runs.push(run);
    }
    let title = format!(
        "deephash reproduce: {} with the seed's configuration",
        args.seed.dataset
    );
    let model = model_fact(args.seed.loss);
    let done = report_runs(&out, &runs, &args.seed.device, &title, model, Vec::new)?;
    let rows: Vec<SeedRow> = (args.bits.iter().zip(&done.evals).zip(train_seconds))
        .map(|((&bits, eval), train_s)| SeedRow {
            bits,
            map: eval.report.map,
            published: published_map(args.seed.dataset, bits),
            train_s,
            eval_s: eval.seconds,
        })
        .collect();
    let table = results_table(&args.seed, &rows);
    let results = out.join("results.md");
    std::fs::write(&results, &table)
        .with_context(|| format!("{}: cannot write the results", results.display()))?;
    print!("{table}");
    println!(
        "\nresults: {}\nmetrics: {}\nreport: {}",
        results.display(),
        done.metrics.display(),
        done.report.display()
    );
    Ok(())
}
