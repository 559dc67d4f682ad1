//! The frozen recipe end to end: standardised features, the step budget adapted to the data
//! ([`crate::frozen_recipe`]), and, when the run names several candidate losses, one head per
//! candidate chosen by validation mAP (the test split is never looked at).
//!
//! With candidates, each is trained in its own run directory `RUN/candidates/<loss>` (its
//! `config.toml` shows the concrete recipe; each resumes from its own checkpoint when the run is
//! resumed); the choice and every candidate's score go to `RUN/selection.json`, and the
//! winner's `metrics.jsonl` and `centres.json` are copied into `RUN`. When the adapted recipe
//! asks for it (small data), the chosen loss is then trained once more on the training and
//! validation rows together in `RUN/refit`, and that head is the run's. An interruption in
//! any of these stages is resumed by resuming `RUN`.

use std::borrow::Cow;
use std::path::Path;

use burn::tensor::Device;
use deephash_model::HashHead;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{load_module, resume_or_start};
use crate::embeddings::RetrievalScorer;
use crate::frozen::{FrozenData, train_frozen};
use crate::frozen_recipe::adapt_frozen;
use crate::loss::LossKind;
use crate::recipe::with_loss;
use crate::standardize::FeatureStats;
use crate::trainer::{LoopOptions, LoopOutcome};
use crate::{LoopConfig, RunConfig, RunDir, TrainError};

/// One candidate's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// The loss.
    pub loss: LossKind,
    /// Its best validation mAP (absent without a validation split).
    pub val_map: Option<f64>,
    /// The epoch of that score.
    pub best_epoch: Option<usize>,
}

/// `RUN/selection.json`: which loss a run chose among its candidates, and every candidate's score.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Selection {
    /// The loss chosen.
    pub chosen: LossKind,
    /// Every candidate's score, in the order trained.
    pub candidates: Vec<CandidateScore>,
}

/// The run's `selection.json`, or `None` when the run did not choose its loss.
pub fn read_selection(run: &RunDir) -> Result<Option<Selection>, TrainError> {
    let path = run.root().join("selection.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(TrainError::io(&path, e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| TrainError::Format {
            path,
            message: e.to_string(),
        })
}

/// What the frozen recipe trained: the best head (on the plain device, taking raw features:
/// any standardisation is folded in) and how it was chosen.
#[derive(Debug)]
pub struct FrozenOutcome {
    /// The selected head.
    pub head: HashHead,
    /// Its loss.
    pub loss: LossKind,
    /// Every candidate's validation score, in the order trained.
    pub scores: Vec<CandidateScore>,
}

/// Trains the head(s) of a frozen run on `data` (raw cached features) over `split`.
///
/// `None` when stopped early (Ctrl-C or `stop_after_epochs`); resume continues.
pub fn train_frozen_recipe(
    run: &RunDir,
    config: &RunConfig,
    data: &FrozenData,
    split: (&[usize], &[usize]),
    scorer: Option<&dyn RetrievalScorer>,
    opts: &LoopOptions,
    devices: (&Device, &Device),
) -> Result<Option<FrozenOutcome>, TrainError> {
    let (autodiff, plain) = devices;
    let (stats, train_data) = standardised(run, config, data, split.0)?;
    let kinds = if config.train.candidates.is_empty() {
        vec![config.train.loss.kind]
    } else {
        config.train.candidates.clone()
    };
    let several = kinds.len() > 1;
    let mut scores = Vec::new();
    let mut refits = Vec::new();
    for &kind in &kinds {
        let (sub, cfg) = candidate_run(run, config, kind, &data.labels, split.0, several)?;
        let stage = Stage {
            top: run,
            dir: &sub,
            cfg: &cfg,
        };
        let outcome = stage.train(config, &train_data, split, scorer, opts, autodiff)?;
        if !outcome.finished {
            return Ok(None);
        }
        scores.push(CandidateScore {
            loss: kind,
            val_map: outcome.state.best_map,
            best_epoch: outcome.state.best_epoch,
        });
        refits.push(cfg.refit && !split.1.is_empty());
    }
    let winner = select(&scores);
    let sub = if several {
        record_selection(run, &scores, winner, refits[winner])?
    } else {
        run.clone()
    };
    let (sub, stats) = if refits[winner] {
        let rows = (data, split);
        match refit(
            run,
            config,
            rows,
            scores[winner].loss,
            several,
            opts,
            autodiff,
        )? {
            Some(done) => done,
            None => return Ok(None),
        }
    } else {
        (sub, stats)
    };
    let template = config
        .model
        .head
        .init(config.model.feature_dim(), config.model.bits, plain)?;
    let mut head = load_module(template, &sub.best_path())?;
    if let Some(s) = &stats {
        let (scale, shift) = s.scale_shift();
        head = head.fold_input_affine(&scale, &shift)?;
    }
    Ok(Some(FrozenOutcome {
        head,
        loss: scores[winner].loss,
        scores,
    }))
}

/// The features the heads train on: standardised over `rows` when the run asks for it (the
/// statistics saved to `RUN/standardize.json` and returned), else `data` as it is.
fn standardised<'a>(
    run: &RunDir,
    config: &RunConfig,
    data: &'a FrozenData,
    rows: &[usize],
) -> Result<(Option<FeatureStats>, Cow<'a, FrozenData>), TrainError> {
    if !config.train.standardize {
        return Ok((None, Cow::Borrowed(data)));
    }
    let stats = FeatureStats::of_rows(&data.eval, rows);
    stats.save(&run.root().join("standardize.json"))?;
    let table = FrozenData {
        labels: data.labels.clone(),
        eval: stats.apply(&data.eval),
        views: data.views.iter().map(|v| stats.apply(v)).collect(),
    };
    Ok((Some(stats), Cow::Owned(table)))
}

/// The chosen loss `kind` trained once more, on the training and validation rows together,
/// with the recipe adapted to them (on small data: one more image a class, the same step
/// budget), in `RUN/refit` (resumed from its own checkpoint with the run); its
/// standardisation is over those rows. No validation is left to score it: the choice of loss
/// and steps was made before. Returns its run directory and statistics; `None` when stopped
/// early.
fn refit(
    run: &RunDir,
    config: &RunConfig,
    (data, split): (&FrozenData, (&[usize], &[usize])),
    kind: LossKind,
    several: bool,
    opts: &LoopOptions,
    autodiff: &Device,
) -> Result<Option<(RunDir, Option<FeatureStats>)>, TrainError> {
    let mut all: Vec<usize> = split.0.iter().chain(split.1).copied().collect();
    all.sort_unstable();
    let (stats, train_data) = standardised(run, config, data, &all)?;
    let base = if several {
        with_loss(config.train.clone(), kind)
    } else {
        config.train.clone()
    };
    let cfg = LoopConfig {
        candidates: Vec::new(),
        adaptive: false,
        refit: false,
        ..adapt_frozen(&base, &data.labels, &all)
    };
    let sub = open_or_create(&run.root().join("refit"), config, &cfg)?;
    let stage = Stage {
        top: run,
        dir: &sub,
        cfg: &cfg,
    };
    let outcome = stage.train(config, &train_data, (&all, &[]), None, opts, autodiff)?;
    Ok(outcome.finished.then_some((sub, stats)))
}

/// One training stage of a frozen run: a candidate or the refit, in its own directory under
/// the run (the run itself when it has a single candidate).
struct Stage<'a> {
    /// The run the user named (what `--resume` takes).
    top: &'a RunDir,
    /// The stage's own run directory, where its checkpoints go.
    dir: &'a RunDir,
    /// The stage's loop configuration.
    cfg: &'a LoopConfig,
}

impl Stage<'_> {
    /// Trains the stage's head from a fresh head, or from its checkpoint when it has one.
    /// An interruption names the run the user gave, not the stage's directory: resuming a
    /// stage's directory on its own would train it as a run of its own.
    fn train(
        &self,
        config: &RunConfig,
        data: &FrozenData,
        split: (&[usize], &[usize]),
        scorer: Option<&dyn RetrievalScorer>,
        opts: &LoopOptions,
        autodiff: &Device,
    ) -> Result<LoopOutcome, TrainError> {
        let head = fresh_head(config, autodiff)?;
        let (head, optim, state) = resume_or_start(self.dir, head, self.cfg.optimizer.build())?;
        let trained = train_frozen(
            self.dir, self.cfg, head, state, optim, data, split, scorer, opts, autodiff,
        );
        match trained {
            Ok((_, outcome)) => Ok(outcome),
            Err(TrainError::Interrupted { epoch, .. }) => Err(TrainError::Interrupted {
                epoch,
                run: self.top.root().to_path_buf(),
            }),
            Err(e) => Err(e),
        }
    }
}

/// The index of the best validation score (the first candidate on ties or without scores).
pub fn select(scores: &[CandidateScore]) -> usize {
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if s.val_map.unwrap_or(f64::NEG_INFINITY)
            > scores[best].val_map.unwrap_or(f64::NEG_INFINITY)
        {
            best = i;
        }
    }
    best
}

/// The run directory and loop configuration of candidate `kind`: the run itself when it is
/// the only one, else `RUN/candidates/<kind>` (created, or reopened on resume). The recipe is
/// adapted to the training rows when the run asks for it.
fn candidate_run(
    run: &RunDir,
    config: &RunConfig,
    kind: LossKind,
    labels: &[Vec<u32>],
    train_rows: &[usize],
    several: bool,
) -> Result<(RunDir, LoopConfig), TrainError> {
    let mut cfg = if several {
        with_loss(config.train.clone(), kind)
    } else {
        config.train.clone()
    };
    if cfg.adaptive {
        cfg = adapt_frozen(&cfg, labels, train_rows);
    }
    if !several {
        return Ok((run.clone(), cfg));
    }
    let dir = run.root().join("candidates").join(kind.to_string());
    let sub = open_or_create(
        &dir,
        config,
        &LoopConfig {
            candidates: Vec::new(),
            adaptive: false,
            ..cfg.clone()
        },
    )?;
    Ok((sub, cfg))
}

/// The run directory `dir` of a sub-run training with `train` (reopened on resume).
fn open_or_create(
    dir: &Path,
    config: &RunConfig,
    train: &LoopConfig,
) -> Result<RunDir, TrainError> {
    if dir.join("config.toml").is_file() {
        return RunDir::open(dir);
    }
    let mut sub_config = config.clone();
    sub_config.train = train.clone();
    RunDir::create(dir, &sub_config)
}

/// A freshly initialised head on the training device (seeded by the run's seed).
fn fresh_head(config: &RunConfig, device: &Device) -> Result<HashHead, TrainError> {
    device.seed(config.train.seed);
    let model = &config.model;
    Ok(model.head.init(model.feature_dim(), model.bits, device)?)
}

/// Writes `RUN/selection.json`, copies the winner's metrics log and centres into `RUN`, and
/// returns the winner's run directory.
fn record_selection(
    run: &RunDir,
    scores: &[CandidateScore],
    winner: usize,
    refit: bool,
) -> Result<RunDir, TrainError> {
    let chosen = scores[winner].loss;
    let sub = RunDir::open(&run.root().join("candidates").join(chosen.to_string()))?;
    let json = serde_json::json!({
        "chosen": chosen,
        "by": "validation mAP",
        "candidates": scores,
        "refit_on_train_and_validation": refit,
    });
    let path = run.root().join("selection.json");
    crate::atomic::write(&path, &serde_json::to_vec_pretty(&json).expect("serialise"))?;
    for (from, to) in [
        (sub.metrics_log_path(), run.metrics_log_path()),
        (sub.centres_path(), run.centres_path()),
    ] {
        if from.is_file() {
            std::fs::copy(&from, &to).map_err(|e| TrainError::io(&to, e))?;
        }
    }
    Ok(sub)
}
