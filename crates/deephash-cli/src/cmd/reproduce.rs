//! `deephash reproduce`: the seed project's configuration on CUB-200-2011 or Stanford Dogs
//! at 16 and 64 bits — ResNet-18 fine-tuned end to end, linear hash head with tanh, triplet
//! loss over all valid triplets with margins 8 and 20, SGD (lr 0.001, momentum 0.9, weight
//! decay 5e-4) with step decay, batches of 10 classes x 8 images — evaluated with our honest
//! protocol (epoch chosen on a validation split carved from the training split, then every
//! test image queries the training split once), next to the seed's published mAP.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use deephash_metrics::EvalConfig;
use deephash_report::write_metrics_json;
use deephash_train::loss::LossKind;

use super::train::LossArg;
use super::workflow::evaluation::{RunEval, evaluate_run, protocol_facts, write_report};
use super::workflow::{run_train_child, train_command};

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
    /// Data set: cub or dogs.
    #[arg(long, value_parser = ["cub", "dogs"])]
    pub dataset: String,
    /// The data set's folder (CUB_200_2011 or the Stanford Dogs folder).
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// ImageNet-pretrained ResNet-18 weights (.pth or .safetensors, torchvision layout).
    #[arg(long, value_name = "FILE")]
    pub weights: PathBuf,
    /// Compute device: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Folder for the two runs and the results (default: reproduce-DATASET).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Training loss: triplet (the seed's, default), csq or orthohash (with their own default
    /// quantization weights; everything else is the seed's recipe).
    #[arg(long, value_enum, default_value = "triplet")]
    pub loss: LossArg,
    /// Epochs per run (default: the fine-tuning recipe's 40, learning rate x0.1 after half).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Code lengths (comma-separated; the seed published 16 and 64).
    #[arg(long, value_delimiter = ',', default_values_t = [16usize, 64], hide = true)]
    pub bits: Vec<usize>,
    /// Only the first N images of each class of each split (tests).
    #[arg(long, value_name = "N", hide = true)]
    pub max_per_class: Option<usize>,
    /// Classes per batch (the seed's 10; tests on tiny data use fewer).
    #[arg(long, default_value_t = 10, hide = true)]
    pub classes_per_batch: usize,
    /// Images per class in a batch (the seed's 8).
    #[arg(long, default_value_t = 8, hide = true)]
    pub per_class: usize,
    /// Logs only, no progress bars (passed to training).
    #[arg(long, hide = true)]
    pub quiet: bool,
}

/// The seed's published mAP (its README) for a data set and code length.
pub fn published_map(dataset: &str, bits: usize) -> Option<f64> {
    match (dataset, bits) {
        ("cub", 16) => Some(0.6384),
        ("cub", 64) => Some(0.7059),
        ("dogs", 16) => Some(0.7127),
        ("dogs", 64) => Some(0.7615),
        _ => None,
    }
}

/// The seed's margin for a code length: 8 at 16 bits, 20 at 64 (about a quarter of the
/// bits plus 4 in between).
pub fn seed_margin(bits: usize) -> f32 {
    bits as f32 / 4.0 + 4.0
}

/// Runs `deephash reproduce`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.bits.is_empty() {
        bail!("--bits needs at least one code length");
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("reproduce-{}", args.dataset)));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("{}: cannot create the output folder", out.display()))?;
    let mut rows = Vec::new();
    let mut evals: Vec<RunEval> = Vec::new();
    let mut dataset = None;
    for &bits in &args.bits {
        let run = out.join(format!("{}{bits}", args.dataset));
        let t = Instant::now();
        train(&args, bits, &run)?;
        let train_s = t.elapsed().as_secs_f64();
        let (eval, data) = evaluate_run(&run, &args.device, &EvalConfig::default())?;
        rows.push(Row {
            bits,
            map: eval.report.map,
            published: published_map(&args.dataset, bits),
            train_s,
            eval_s: eval.seconds,
        });
        evals.push(eval);
        dataset = Some(data);
    }
    let dataset = dataset.context("no run was trained")?;
    let table = results_table(&args, &rows);
    let results = out.join("results.md");
    std::fs::write(&results, &table)
        .with_context(|| format!("{}: cannot write the results", results.display()))?;
    let metrics = out.join("metrics.json");
    let reports: Vec<_> = evals.iter().map(|e| e.report.clone()).collect();
    write_metrics_json(&metrics, &reports)?;
    let mut facts = protocol_facts(&dataset, &evals);
    facts.insert(1, ("model".into(), model_fact(args.loss)));
    let title = format!(
        "deephash reproduce: {} with the seed's configuration",
        args.dataset
    );
    let report = write_report(&out, &title, facts, &evals, &dataset)?;
    print!("{table}");
    println!(
        "\nresults: {}\nmetrics: {}\nreport: {}",
        results.display(),
        metrics.display(),
        report.display()
    );
    Ok(())
}

/// The report's description of the model and its loss.
fn model_fact(loss: LossArg) -> String {
    let loss = match loss {
        LossArg::Triplet => "the seed's triplet loss",
        LossArg::Csq => "the CSQ loss (instead of the seed's triplet loss)",
        LossArg::Orthohash => "the OrthoHash loss (instead of the seed's triplet loss)",
    };
    format!(
        "ResNet-18 (ImageNet weights) fine-tuned, linear hash head, tanh; {loss} and the seed's SGD"
    )
}

/// One code length's outcome.
struct Row {
    bits: usize,
    map: f64,
    published: Option<f64>,
    train_s: f64,
    eval_s: f64,
}

/// The Markdown table: our mAP next to the seed's, with run times.
fn results_table(args: &Args, rows: &[Row]) -> String {
    let mut t = format!(
        "# {} with the seed's configuration (ResNet-18 fine-tuned, {} loss, device {})\n\n\
         | bits | margin | our mAP | seed's mAP | difference | training | evaluation |\n\
         |-----:|-------:|--------:|-----------:|-----------:|---------:|-----------:|\n",
        args.dataset,
        LossKind::from(args.loss),
        args.device
    );
    for r in rows {
        let (seed, diff) = match r.published {
            Some(p) => (format!("{p:.4}"), format!("{:+.4}", r.map - p)),
            None => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            t,
            "| {} | {} | {:.4} | {seed} | {diff} | {:.0} s | {:.0} s |",
            r.bits,
            seed_margin(r.bits),
            r.map,
            r.train_s,
            r.eval_s
        );
    }
    t.push_str(
        "\nOur protocol: the epoch is chosen on a validation split carved from the training \
         split; every test image then queries the whole training split once. The seed's numbers \
         are from its README (1000-4000 epochs, model chosen on the test split).\n",
    );
    t
}

/// Trains one code length with `deephash train` (a child process of this binary) using the
/// seed's settings.
fn train(args: &Args, bits: usize, run: &Path) -> anyhow::Result<()> {
    if run.join("config.toml").is_file() {
        bail!(
            "{} already holds a run; remove it or choose another --out",
            run.display()
        );
    }
    let mut cmd = train_command()?;
    cmd.args(train_args(args, bits, run));
    run_train_child(cmd, bits, run, args.max_per_class, args.quiet)
}

/// The `deephash train` arguments of one code length: the seed's recipe, with `args.loss`.
fn train_args(args: &Args, bits: usize, run: &Path) -> Vec<std::ffi::OsString> {
    let epochs = args.epochs.unwrap_or(40);
    let step = (epochs / 2).max(1);
    let mut list: Vec<std::ffi::OsString> = Vec::new();
    let mut add = |items: &[&str]| list.extend(items.iter().map(std::ffi::OsString::from));
    add(&["--dataset", &args.dataset]);
    add(&["--backbone", "resnet18", "--mode", "finetune"]);
    add(&[
        "--bits",
        &bits.to_string(),
        "--margin",
        &seed_margin(bits).to_string(),
    ]);
    add(&[
        "--optimizer",
        "sgd",
        "--lr",
        "0.001",
        "--weight-decay",
        "0.0005",
    ]);
    add(&["--schedule", &format!("step:{step}:0.1"), "--warmup", "0"]);
    add(&["--loss", &LossKind::from(args.loss).to_string()]);
    if args.loss == LossArg::Triplet {
        add(&["--mining", "all", "--quantization-weight", "0"]);
    }
    add(&["--epochs", &epochs.to_string()]);
    add(&["--classes-per-batch", &args.classes_per_batch.to_string()]);
    add(&[
        "--per-class",
        &args.per_class.to_string(),
        "--device",
        &args.device,
    ]);
    list.extend([
        "--data-dir".into(),
        args.data_dir.clone().into_os_string(),
        "--weights".into(),
        args.weights.clone().into_os_string(),
        "--out".into(),
        run.as_os_str().to_owned(),
    ]);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_margins_and_published_numbers() {
        assert_eq!(seed_margin(16), 8.0);
        assert_eq!(seed_margin(64), 20.0);
        assert_eq!(published_map("cub", 64), Some(0.7059));
        assert_eq!(published_map("dogs", 16), Some(0.7127));
        assert_eq!(published_map("cub", 32), None);
    }

    fn args_with(loss: LossArg) -> Args {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let mut cli = Cli::parse_from([
            "reproduce",
            "--dataset",
            "cub",
            "--data-dir",
            "CUB",
            "--weights",
            "r18.pth",
        ]);
        cli.args.loss = loss;
        cli.args
    }

    fn joined(args: &Args) -> String {
        let list = train_args(args, 64, Path::new("runs/cub64"));
        let words: Vec<String> = list.iter().map(|w| w.to_string_lossy().into()).collect();
        words.join(" ")
    }

    #[test]
    fn the_seed_recipe_with_the_chosen_loss() {
        let seed = joined(&args_with(LossArg::Triplet));
        assert!(
            seed.contains("--loss triplet --mining all --quantization-weight 0"),
            "{seed}"
        );
        assert!(seed.contains("--margin 20") && seed.contains("--optimizer sgd --lr 0.001"));
        let csq = joined(&args_with(LossArg::Csq));
        assert!(csq.contains("--loss csq"), "{csq}");
        assert!(
            !csq.contains("--quantization-weight"),
            "CSQ keeps its own: {csq}"
        );
        assert!(csq.contains("--schedule step:20:0.1") && csq.contains("--out runs/cub64"));
    }
}
