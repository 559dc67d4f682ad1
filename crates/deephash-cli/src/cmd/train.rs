//! `deephash train`: train a hashing model into a run directory, select the epoch on a
//! validation split carved from the training split, then evaluate once on the test split.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, bail};
use deephash_codes::{CodeDb, CodeMatrix};
use deephash_data::{DatasetKind, DatasetSpec, Split};
use deephash_metrics::{EvalConfig, EvalReport, evaluate};
use deephash_model::burn::module::Module;
use deephash_model::burn::tensor::Device;
use deephash_model::{BackboneKind, DeviceSpec, HashNet, HashNetConfig, HeadKind};
use deephash_train::checkpoint::{load_module, resume_or_start, save_module};
use deephash_train::dataset_source::DatasetSource;
use deephash_train::features::{FeatureTable, cached_features, extract_features, feature_bar};
use deephash_train::finetune::train_finetune;
use deephash_train::frozen::{FrozenData, head_embeddings};
use deephash_train::frozen_select::{CandidateScore, train_frozen_recipe};
use deephash_train::loss::{LossKind, Mining, default_margin};
use deephash_train::memory_source::training_transforms;
use deephash_train::optim::OptimizerKind;
use deephash_train::run_config::first_per_class;
use deephash_train::schedule::ScheduleKind;
use deephash_train::split::validation_split;
use deephash_train::trainer::LoopOptions;
use deephash_train::{
    DataSpec, Embeddings, ImageSource, RunConfig, RunDir, TrainMode, TrainedModel, recipe,
};

use super::workflow::evaluation::labels_pair;
use super::workflow::final_codes::save_final_codes;

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
    /// Data set: fashion-mnist (bundled subset by default), cub, dogs, folder, list.
    #[arg(long, default_value = "fashion-mnist")]
    pub dataset: String,
    /// Data set folder (or list file); optional for fashion-mnist.
    #[arg(long, value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// Backbone: resnet18, resnet34, resnet50, efficientnet-lite0, small-cnn.
    #[arg(long, default_value = "small-cnn")]
    pub backbone: String,
    /// Pretrained backbone weights (.pth or .safetensors), or a finished run directory whose
    /// trained backbone to start from (e.g. a frozen 16-bit head on a 64-bit small-CNN run).
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// Code length in bits.
    #[arg(long, default_value_t = 64)]
    pub bits: usize,
    /// Hash head: linear (tanh, the seed's) or dae (divide-and-encode).
    #[arg(long, default_value = "linear")]
    pub head: String,
    /// frozen (cached backbone features, head only) or finetune (end to end). Default:
    /// finetune for small-cnn, frozen otherwise.
    #[arg(long)]
    pub mode: Option<String>,
    /// Epochs (default: the backbone's recipe).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Head learning rate (default: the recipe's).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Backbone learning rate as a multiple of --lr (finetune).
    #[arg(long, default_value_t = 1.0)]
    pub backbone_lr_mult: f64,
    /// Optimiser: sgd (momentum 0.9, weight decay 5e-4), adam, adamw.
    #[arg(long)]
    pub optimizer: Option<String>,
    /// Weight decay (default: the recipe's).
    #[arg(long)]
    pub weight_decay: Option<f32>,
    /// Schedule: constant, step:N[:GAMMA], cosine[:MIN_FACTOR].
    #[arg(long)]
    pub schedule: Option<String>,
    /// Linear warm-up epochs.
    #[arg(long)]
    pub warmup: Option<usize>,
    /// Training loss: triplet (the seed's), csq (Central Similarity Quantization: BCE to
    /// per-class Hadamard centres) or orthohash (cosine cross entropy to orthogonal class
    /// codes). Default: triplet.
    #[arg(long, value_enum)]
    pub loss: Option<LossArg>,
    /// OrthoHash logit scale s.
    #[arg(long, default_value_t = deephash_train::loss::ORTHOHASH_SCALE)]
    pub ortho_scale: f32,
    /// OrthoHash cosine margin m.
    #[arg(long, default_value_t = deephash_train::loss::ORTHOHASH_MARGIN)]
    pub ortho_margin: f32,
    /// Triplet margin (default bits/4 + 4: 8 for 16 bits, 20 for 64).
    #[arg(long)]
    pub margin: Option<f32>,
    /// Triplet mining: all (the seed's), batch-hard, semi-hard.
    #[arg(long)]
    pub mining: Option<String>,
    /// Weight of the quantization term pulling outputs to +-1.
    #[arg(long)]
    pub quantization_weight: Option<f32>,
    /// Classes per batch (P; default 10, or every class when frozen mode trains full-batch).
    #[arg(long)]
    pub classes_per_batch: Option<usize>,
    /// Images per class in a batch (K; default 8, or the largest class when frozen mode
    /// trains full-batch).
    #[arg(long)]
    pub per_class: Option<usize>,
    /// Frozen mode: standardise every feature dimension (mean 0, deviation 1 over the training
    /// rows) before the head; folded into the saved head, so encoding needs nothing extra.
    /// Default: true in frozen mode.
    #[arg(long, value_name = "BOOL")]
    pub standardize: Option<bool>,
    /// Share of each training class held out for model selection.
    #[arg(long, default_value_t = 0.1)]
    pub val_fraction: f64,
    /// Augmented views per image cached in frozen mode (0: the evaluation view only).
    #[arg(long, default_value_t = 0)]
    pub views: usize,
    /// Only the first N images of each class of each split (quick runs and tests).
    #[arg(long, value_name = "N")]
    pub max_per_class: Option<usize>,
    /// Random crop and flip of training images: true or false (default: false for small-cnn,
    /// true for the ImageNet backbones).
    #[arg(long, value_name = "BOOL")]
    pub augment: Option<bool>,
    /// Log and leave out images that cannot be read (corrupt, truncated, missing, too large)
    /// instead of stopping with an error naming the file.
    #[arg(long)]
    pub skip_bad: bool,
    /// Validate every N epochs (default: the recipe's).
    #[arg(long)]
    pub validate_every: Option<usize>,
    /// Run directory to create.
    #[arg(long, value_name = "RUN", required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// Continue the run in RUN from its latest checkpoint.
    #[arg(long, value_name = "RUN", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// cpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Folder for the decoded-image and feature caches (default: RUN/../.cache).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Logs only, no progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Stop after this many epochs (as if interrupted; resume continues).
    #[arg(long, hide = true)]
    pub stop_after: Option<usize>,
}

/// `--loss` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossArg {
    /// The seed's triplet ranking loss (`--mining`, `--margin`).
    Triplet,
    /// Central Similarity Quantization (Yuan et al., CVPR 2020).
    Csq,
    /// OrthoHash (Hoe et al., NeurIPS 2021).
    Orthohash,
}

impl From<LossArg> for LossKind {
    fn from(arg: LossArg) -> Self {
        match arg {
            LossArg::Triplet => LossKind::Triplet,
            LossArg::Csq => LossKind::Csq,
            LossArg::Orthohash => LossKind::Orthohash,
        }
    }
}

/// Runs `deephash train`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (run, config) = open_run(&args)?;
    let device_spec: DeviceSpec = config.device.parse()?;
    let started = Instant::now();
    let dataset = load_dataset(&config.data)?;
    let (train_tf, eval_tf) = training_transforms(config.backbone, config.data.augment);
    let cache = args
        .cache_dir
        .clone()
        .unwrap_or_else(|| default_cache(run.root()));
    let train = DatasetSource::with_skip_bad(
        dataset.split(Split::Train).to_vec(),
        train_tf,
        eval_tf,
        Some(&cache.join("images")),
        format!("{}:{:?}:train", config.data.dataset, config.data.data_dir),
        config.data.skip_bad,
    )?;
    let labels = train.labels();
    let (train_rows, val_rows) =
        validation_split(&labels, config.data.val_fraction, config.train.seed);
    tracing::info!(
        train = train_rows.len(),
        val = val_rows.len(),
        "validation split"
    );
    let opts = LoopOptions {
        quiet: args.quiet,
        interrupt: Some(interrupt_flag()?),
        stop_after_epochs: args.stop_after,
    };
    // Frozen mode hands back the database embeddings it can make from its cached features.
    let mut loss = config.train.loss.kind;
    let (finished, database) = match config.train.mode {
        TrainMode::Frozen => {
            let trained = frozen(
                &run,
                &config,
                &device_spec,
                &train,
                (&train_rows[..], &val_rows[..]),
                &cache,
                &opts,
            )?;
            let database = trained.map(|(database, chosen)| {
                loss = chosen;
                database
            });
            (database.is_some(), database)
        }
        TrainMode::Finetune => (
            finetune(
                &run,
                &config,
                &device_spec,
                &train,
                (&train_rows[..], &val_rows[..]),
                &opts,
            )?,
            None,
        ),
    };
    if !finished {
        println!(
            "stopped early; continue with: deephash train --resume {}",
            run.root().display()
        );
        return Ok(());
    }
    let test = DatasetSource::with_skip_bad(
        dataset.split(Split::Test).to_vec(),
        train_tf,
        eval_tf,
        Some(&cache.join("images")),
        format!("{}:{:?}:test", config.data.dataset, config.data.data_dir),
        config.data.skip_bad,
    )?;
    let report = final_metrics(&run, &device_spec, &test, &train, database)?;
    println!(
        "{}: {} bits, {} loss, test mAP {:.4} ({} queries vs {} database), {:.1} s; run in {}",
        config.backbone,
        config.bits(),
        loss,
        report.map,
        report.queries,
        report.database,
        started.elapsed().as_secs_f64(),
        run.root().display()
    );
    Ok(())
}

fn interrupt_flag() -> anyhow::Result<Arc<AtomicBool>> {
    Ok(deephash_train::interrupt::install_ctrlc()?)
}

fn default_cache(run: &Path) -> PathBuf {
    run.parent()
        .unwrap_or(Path::new("."))
        .join(".deephash-cache")
}

/// Creates the run directory from the arguments, or opens it for `--resume`.
fn open_run(args: &Args) -> anyhow::Result<(RunDir, RunConfig)> {
    if let Some(dir) = &args.resume {
        let run = RunDir::open_for_training(dir)?;
        let config = run.config()?;
        return Ok((run, config));
    }
    let config = run_config(args)?;
    let out = args.out.as_ref().context("--out RUN is required")?;
    Ok((RunDir::create(out, &config)?, config))
}

/// The full configuration from the command line and the backbone's recipe.
fn run_config(args: &Args) -> anyhow::Result<RunConfig> {
    let backbone: BackboneKind = args.backbone.parse()?;
    let head: HeadKind = args.head.parse()?;
    let mode = match &args.mode {
        Some(m) => m.parse::<TrainMode>().map_err(anyhow::Error::msg)?,
        None => recipe::default_mode(backbone),
    };
    if mode == TrainMode::Frozen && args.weights.is_none() {
        bail!(
            "--mode frozen needs pretrained --weights (a random backbone gives useless features)"
        );
    }
    let mut train = recipe::loop_config(backbone, mode, args.bits);
    if let Some(loss) = args.loss {
        train = recipe::with_loss(train, loss.into());
    }
    if mode == TrainMode::Frozen {
        frozen_recipe_options(&mut train, args);
    }
    apply_overrides(&mut train, args)?;
    train.validate()?;
    args.dataset.parse::<DatasetKind>()?;
    Ok(RunConfig {
        backbone,
        weights: args.weights.clone(),
        model: HashNetConfig::new(backbone, head, args.bits),
        data: DataSpec {
            dataset: args.dataset.clone(),
            data_dir: args.data_dir.clone(),
            val_fraction: args.val_fraction,
            views: args.views,
            max_per_class: args.max_per_class,
            skip_bad: args.skip_bad,
            augment: args.augment.unwrap_or(recipe::default_augment(backbone)),
        },
        train,
        device: args.device.clone(),
    })
}

/// The frozen recipe's choices that depend on which options were given: features
/// standardised unless `--standardize false`; the step budget adapted to the data unless
/// `--epochs` or the batch shape is given; the loss chosen by validation mAP among
/// [`recipe::FROZEN_CANDIDATES`] unless `--loss` is given.
fn frozen_recipe_options(train: &mut deephash_train::LoopConfig, args: &Args) {
    train.standardize = args.standardize.unwrap_or(true);
    train.adaptive =
        args.epochs.is_none() && args.classes_per_batch.is_none() && args.per_class.is_none();
    if args.loss.is_none() {
        train.candidates = recipe::FROZEN_CANDIDATES.to_vec();
    }
}

/// Command-line values replace the recipe's.
fn apply_overrides(train: &mut deephash_train::LoopConfig, args: &Args) -> anyhow::Result<()> {
    if let Some(e) = args.epochs {
        train.epochs = e;
        train.schedule.epochs = e;
    }
    if let Some(lr) = args.lr {
        train.schedule.base_lr = lr;
    }
    if let Some(o) = &args.optimizer {
        train.optimizer.kind = o.parse::<OptimizerKind>().map_err(anyhow::Error::msg)?;
    }
    if let Some(wd) = args.weight_decay {
        train.optimizer.weight_decay = wd;
    }
    if let Some(s) = &args.schedule {
        train.schedule.kind = s.parse::<ScheduleKind>().map_err(anyhow::Error::msg)?;
    }
    if let Some(w) = args.warmup {
        train.schedule.warmup_epochs = w;
    }
    train.loss.margin = args.margin.unwrap_or(default_margin(args.bits));
    if let Some(m) = &args.mining {
        train.loss.mining = m.parse::<Mining>().map_err(anyhow::Error::msg)?;
    }
    train.loss.scale = args.ortho_scale;
    train.loss.cos_margin = args.ortho_margin;
    if let Some(q) = args.quantization_weight {
        train.loss.quantization_weight = q;
    }
    if let Some(v) = args.validate_every {
        train.validate_every = v;
    }
    if let Some(p) = args.classes_per_batch {
        train.classes_per_batch = p;
    }
    if let Some(k) = args.per_class {
        train.per_class = k;
    }
    train.backbone_lr_mult = args.backbone_lr_mult;
    train.seed = args.seed;
    Ok(())
}

/// Loads the data set of a run (capped to `max_per_class` images per class and split).
pub fn load_dataset(spec: &DataSpec) -> anyhow::Result<deephash_data::Dataset> {
    let kind: DatasetKind = spec.dataset.parse()?;
    let mut dataset = DatasetSpec::new(kind, spec.data_dir.clone()).load()?;
    if let Some(max) = spec.max_per_class {
        let cap = |samples: &mut Vec<deephash_data::Sample>| {
            let labels: Vec<Vec<u32>> = samples.iter().map(|s| s.labels.clone()).collect();
            let keep = first_per_class(&labels, max);
            *samples = keep.into_iter().map(|i| samples[i].clone()).collect();
        };
        cap(&mut dataset.train);
        cap(&mut dataset.test);
    }
    Ok(dataset)
}

/// The network with its pretrained backbone weights (when any) on `device`.
fn initial_net(config: &RunConfig, device: &Device) -> anyhow::Result<HashNet> {
    device.seed(config.train.seed);
    let mut net = config.model.init(device)?;
    match &config.weights {
        Some(run) if run.is_dir() => net.backbone = backbone_of_run(run, config, device)?,
        Some(file) => net.backbone = deephash_model::load_backbone_weights(net.backbone, file)?,
        None => {}
    }
    Ok(net)
}

/// The trained backbone of the finished run in `dir`, which must have the same backbone
/// configuration as `config`.
fn backbone_of_run(
    dir: &Path,
    config: &RunConfig,
    device: &Device,
) -> anyhow::Result<deephash_model::Backbone> {
    let trained = TrainedModel::load(dir, device)
        .with_context(|| format!("--weights {}: not a finished run", dir.display()))?;
    let theirs = &trained.config().model.backbone;
    if theirs != &config.model.backbone {
        bail!(
            "--weights {}: the run's backbone is {theirs:?}, this run needs {:?}",
            dir.display(),
            config.model.backbone
        );
    }
    Ok(trained.net().backbone.clone())
}

/// Identifies the contents of pretrained weights (file, or a run's model file) for cache keys:
/// path, size and modification time, so retraining a run invalidates features computed from it.
fn weights_fingerprint(weights: &Path) -> String {
    let file = if weights.is_dir() {
        RunDir::open(weights)
            .map(|r| r.model_path())
            .unwrap_or_else(|_| weights.to_path_buf())
    } else {
        weights.to_path_buf()
    };
    let meta = std::fs::metadata(&file).ok();
    let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
    let modified = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}#{size}#{modified}", file.display())
}

/// Frozen mode: cached features, the frozen recipe (standardised features, step budget, the
/// loss chosen by validation when several are candidates), final network = backbone + best
/// head with the standardisation folded in. Returns, once finished, the final network's
/// embeddings of the whole training split, made from the cached evaluation-view features (the
/// backbone is not run over it a second time), and the loss the head was trained with; `None`
/// when stopped early.
fn frozen(
    run: &RunDir,
    config: &RunConfig,
    device: &DeviceSpec,
    train: &DatasetSource,
    split: (&[usize], &[usize]),
    cache: &Path,
    opts: &LoopOptions,
) -> anyhow::Result<Option<(Embeddings, LossKind)>> {
    let plain = device.device()?;
    let net = initial_net(config, &plain)?;
    let data = frozen_data(config, &net, train, cache, &plain, opts.quiet)?;
    let autodiff = device.training_device()?;
    let scorer = validation_scorer;
    let Some(outcome) = train_frozen_recipe(
        run,
        config,
        &data,
        split,
        Some(&scorer),
        opts,
        (&autodiff, &plain),
    )?
    else {
        return Ok(None);
    };
    if outcome.scores.len() > 1 {
        println!("{}", selection_line(&outcome.scores, outcome.loss));
    }
    let head = outcome.head;
    let all: Vec<usize> = (0..data.labels.len()).collect();
    let database = head_embeddings(&head, &data.eval, &all, &data.labels, &plain)?;
    let final_net = HashNet {
        backbone: net.backbone,
        head,
    };
    save_module(&final_net, &run.model_path())?;
    Ok(Some((database, outcome.loss)))
}

/// `loss selected by validation mAP: csq (csq 0.8123, orthohash 0.8011, triplet 0.7770)`.
fn selection_line(scores: &[CandidateScore], chosen: LossKind) -> String {
    let list: Vec<String> = scores
        .iter()
        .map(|s| match s.val_map {
            Some(m) => format!("{} {m:.4}", s.loss),
            None => format!("{} -", s.loss),
        })
        .collect();
    format!(
        "loss selected by validation mAP: {chosen} ({})",
        list.join(", ")
    )
}

/// The cached evaluation-view and augmented-view features of the training split.
fn frozen_data(
    config: &RunConfig,
    net: &HashNet,
    train: &DatasetSource,
    cache: &Path,
    device: &Device,
    quiet: bool,
) -> anyhow::Result<FrozenData> {
    let backbone = net.backbone.valid();
    let weights = config
        .weights
        .as_deref()
        .map(weights_fingerprint)
        .unwrap_or_default();
    // The number of images is part of the key: the source's own key names the data set and
    // split, not `--max-per-class` or the images `--skip-bad` left out.
    let base_key = format!(
        "{}|{}|{}|{} images",
        config.backbone,
        weights,
        train.cache_key(),
        train.len()
    );
    let file = |name: &str| {
        cache
            .join("features")
            .join(format!("{:016x}-{name}.f32", fnv(&base_key)))
    };
    let compute =
        |augment: Option<u64>, what: &str| -> Result<FeatureTable, deephash_train::TrainError> {
            let bar = feature_bar(train.len(), what, quiet);
            let t = extract_features(&backbone, train, augment, 64, device, &bar);
            bar.finish_and_clear();
            t
        };
    let eval = cached_features(&file("eval"), &base_key, || compute(None, "features"))?;
    let mut views = Vec::new();
    for v in 0..config.data.views {
        let key = format!("{base_key}|view{v}|seed{}", config.train.seed);
        let seed = config.train.seed ^ (v as u64 + 1) << 40;
        views.push(cached_features(
            &file(&format!("view{v}-s{}", config.train.seed)),
            &key,
            || compute(Some(seed), &format!("view {}", v + 1)),
        )?);
    }
    Ok(FrozenData {
        labels: train.labels(),
        eval,
        views,
    })
}

/// FNV-1a of a string (cache file names).
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Finetune mode: the whole network; final network = best checkpoint.
fn finetune(
    run: &RunDir,
    config: &RunConfig,
    device: &DeviceSpec,
    train: &DatasetSource,
    split: (&[usize], &[usize]),
    opts: &LoopOptions,
) -> anyhow::Result<bool> {
    let autodiff = device.training_device()?;
    let net = initial_net(config, &autodiff)?;
    let (net, optim, state) = resume_or_start(run, net, config.train.optimizer.build())?;
    let scorer = validation_scorer;
    let (_, outcome) = train_finetune(
        run,
        &config.train,
        net,
        state,
        optim,
        train,
        split,
        Some(&scorer),
        opts,
        &autodiff,
    )?;
    if !outcome.finished {
        return Ok(false);
    }
    let plain = device.device()?;
    let best = load_module(config.model.init(&plain)?, &run.best_path())?;
    save_module(&best, &run.model_path())?;
    Ok(true)
}

/// Validation mAP@all of sign codes (the scorer handed to the training loop).
fn validation_scorer(queries: &Embeddings, database: &Embeddings) -> Result<f64, String> {
    retrieval_report(queries, database)
        .map(|r| r.map)
        .map_err(|e| e.to_string())
}

/// Every metric of sign codes of `queries` against `database`.
fn retrieval_report(queries: &Embeddings, database: &Embeddings) -> anyhow::Result<EvalReport> {
    let (ql, dl) = labels_pair(&queries.labels, &database.labels);
    let (q, db) = (sign_codes(queries)?, sign_codes(database)?);
    Ok(evaluate(&q, &ql, &db, &dl, &EvalConfig::default())?)
}

/// The binary codes of `embeddings` (bit set where the output is positive).
fn sign_codes(embeddings: &Embeddings) -> anyhow::Result<CodeMatrix> {
    Ok(CodeMatrix::from_signs(&embeddings.values, embeddings.bits)?)
}

/// Test queries against the whole training split (evaluation transforms), once, with the
/// selected model; writes `RUN/metrics.json` and the codes (`RUN/codes-{test,train}.dhc`).
/// `database`: the training split's embeddings when already known (frozen mode).
fn final_metrics(
    run: &RunDir,
    device: &DeviceSpec,
    test: &DatasetSource,
    train: &DatasetSource,
    database: Option<Embeddings>,
) -> anyhow::Result<EvalReport> {
    let model = TrainedModel::load(run.root(), &device.device()?)?;
    let all = |s: &DatasetSource| (0..s.len()).collect::<Vec<_>>();
    let queries = model.embed_source(test, &all(test), 256)?;
    let database = match database {
        Some(known) => known,
        None => model.embed_source(train, &all(train), 256)?,
    };
    let (query_labels, db_labels) = labels_pair(&queries.labels, &database.labels);
    let (query_codes, db_codes) = (sign_codes(&queries)?, sign_codes(&database)?);
    let report = evaluate(
        &query_codes,
        &query_labels,
        &db_codes,
        &db_labels,
        &EvalConfig::default(),
    )?;
    let splits = [
        ("test", test, query_codes, query_labels),
        ("train", train, db_codes, db_labels),
    ];
    for (split, source, codes, labels) in splits {
        let db = CodeDb {
            codes,
            ids: Some(source.samples().map(|s| s.name.clone()).collect()),
            labels: Some(labels),
        };
        save_final_codes(run.root(), split, &db)?;
    }
    let json = serde_json::to_vec_pretty(&report)?;
    deephash_train::atomic::write(&run.final_metrics_path(), &json)?;
    Ok(report)
}
