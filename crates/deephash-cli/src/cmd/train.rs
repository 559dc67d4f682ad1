//! `deephash train`: the flags are the library's [`TrainSettings`] (parsed into it, typed),
//! the library trains the run ([`deephash::training`]), and this prints the outcome.

use std::path::{Path, PathBuf};

use anyhow::Context;
use deephash::train::RunConfig;
use deephash::training::{self, TrainOptions, TrainOutcome, TrainSettings, install_ctrlc};

/// Arguments of `deephash train`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  # small CNN from scratch on the bundled Fashion-MNIST subset, 64-bit codes (a few minutes on 2 cores)
  deephash train --dataset fashion-mnist --backbone small-cnn --bits 64 --out runs/fm64
  # frozen pretrained EfficientNet-Lite0 features, only the hash head trained
  deephash train --dataset cub --data-dir CUB_200_2011 --backbone efficientnet-lite0 \\
      --weights weights/efficientnet_lite0.pth --bits 16 --out runs/cub16
  # the seed's fine-tuning recipe on a GPU
  deephash train --dataset cub --data-dir CUB_200_2011 --backbone resnet18 \\
      --weights weights/resnet18-f37072fd.pth --mode finetune --device cuda --bits 64 --out runs/r18
  # a hash-centre loss instead of the seed's triplet loss
  deephash train --dataset fashion-mnist --backbone small-cnn --loss csq --bits 64 --out runs/fm64-csq
  # continue an interrupted run exactly where it stopped
  deephash train --resume runs/r18")]
pub struct Args {
    /// The run: data, network, recipe overrides, device, seed.
    #[command(flatten)]
    pub settings: TrainSettings,
    /// Run directory to create.
    #[arg(long, value_name = "RUN", required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// Continue the run in RUN from its latest checkpoint.
    #[arg(long, value_name = "RUN", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// Folder for the decoded-image and feature caches (default: RUN/../.deephash-cache).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Logs only, no progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Stop after this many epochs (as if interrupted; resume continues).
    #[arg(long, hide = true)]
    pub stop_after: Option<usize>,
}

impl Args {
    /// How to run it: progress bars, Ctrl-C, caches.
    fn options(&self) -> anyhow::Result<TrainOptions> {
        Ok(TrainOptions {
            quiet: self.quiet,
            interrupt: Some(install_ctrlc()?),
            stop_after: self.stop_after,
            cache_dir: self.cache_dir.clone(),
        })
    }
}

/// Runs `deephash train`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let outcome = match (&args.resume, &args.out) {
        (Some(run), _) => training::resume(run, &args.options()?)?,
        (None, Some(out)) => {
            let config = args.settings.run_config()?;
            training::train(out, &config, &args.options()?)?
        }
        (None, None) => None.context("--out RUN is required")?,
    };
    print_outcome(outcome);
    Ok(())
}

/// The selection line (when the loss was chosen) and the summary, or how to continue.
pub fn print_outcome(outcome: TrainOutcome) {
    match outcome {
        TrainOutcome::Finished(run) => {
            if let Some(line) = run.selection_line() {
                println!("{line}");
            }
            println!("{}", run.summary());
        }
        TrainOutcome::Stopped { run } => println!(
            "stopped early; continue with: deephash train --resume {}",
            run.display()
        ),
    }
}

/// Trains the `bits`-bit run `run` of a workflow (`demo`, `reproduce`) in this process and
/// prints its outcome; stopping early is an error there.
pub fn train_one(
    run: &Path,
    bits: usize,
    config: &RunConfig,
    options: &TrainOptions,
) -> anyhow::Result<()> {
    eprintln!("training {bits}-bit codes into {}", run.display());
    let outcome = training::train(run, config, options)
        .with_context(|| format!("training the {bits}-bit run in {}", run.display()))?;
    let finished = matches!(outcome, TrainOutcome::Finished(_));
    print_outcome(outcome);
    anyhow::ensure!(finished, "stopped during the {bits}-bit run");
    Ok(())
}
