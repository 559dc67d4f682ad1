//! The frozen recipe end to end: standardised features, the step budget adapted to the data
//! ([`crate::frozen_recipe`]), and, when the run names several candidate losses, one head per
//! candidate chosen by validation (the test split is never looked at).
//!
//! With candidates, each is trained in its own run directory `RUN/candidates/<loss>` (its
//! `config.toml` shows the concrete recipe; each resumes from its own checkpoint when the run is
//! resumed); the choice and every candidate's score go to `RUN/selection.json`, and the
//! winner's `metrics.jsonl` and `centres.json` are copied into `RUN`. When the adapted recipe
//! asks for it (small data, full batch), the candidates are instead scored by
//! [`FOLDS`]-fold cross-validation over the training and validation rows together (one run
//! directory per fold, `RUN/candidates/<loss>/fold<i>`; stratified folds of
//! [`crate::folds`]), and the chosen loss is then trained once more on all those rows in
//! `RUN/refit`, whose head is the run's. An interruption in any of these stages is resumed by
//! resuming `RUN`.

use std::borrow::Cow;
use std::path::Path;

use burn::tensor::Device;
use deephash_model::HashHead;
use deephash_model::feature_power::IDENTITY_POWER;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{load_module, resume_or_start};
use crate::embeddings::RetrievalScorer;
use crate::folds::{FOLDS, rest, stratified_folds};
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
    /// Its validation mAP: the best (or, keeping the last step, the last) on the validation
    /// split, or the mean over the folds when cross-validated (absent without validation).
    pub val_map: Option<f64>,
    /// The epoch of that score (of the first fold when cross-validated).
    pub best_epoch: Option<usize>,
    /// Cross-validated: the mAP of every fold's held-out rows against the rest, in fold
    /// order (empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<f64>,
}

/// `RUN/selection.json`: which loss a run chose among its candidates, and every candidate's score.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Selection {
    /// The loss chosen.
    pub chosen: LossKind,
    /// Every candidate's score, in the order trained.
    pub candidates: Vec<CandidateScore>,
}

/// How the candidate was chosen: "validation mAP", or "5-fold cross-validated mAP,
/// one-standard-error rule" when the scores are means over folds (see [`select`]).
pub fn selection_basis(scores: &[CandidateScore]) -> String {
    match scores.iter().map(|s| s.folds.len()).max() {
        Some(k) if k > 0 => format!("{k}-fold cross-validated mAP, one-standard-error rule"),
        _ => "validation mAP".to_string(),
    }
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
/// any standardisation is folded in, the feature power set) and how it was chosen.
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
    let powered = with_feature_power(data, config.model.feature_power);
    let data = powered.as_ref();
    let recipe = Recipe {
        run,
        config,
        data,
        scorer,
        opts,
        autodiff,
    };
    let kinds = run_losses(&config.train);
    let chosen = if kinds.len() > 1 && cross_validates(config, &data.labels, split, &kinds) {
        recipe.cross_validated(&kinds, split)?
    } else {
        recipe.on_validation_split(&kinds, split)?
    };
    let Some((sub, stats, scores, winner)) = chosen else {
        return Ok(None);
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
    let head = head.with_input_power(config.model.feature_power)?;
    Ok(Some(FrozenOutcome {
        head,
        loss: scores[winner].loss,
        scores,
    }))
}

/// Whether the run chooses its loss by cross-validation: it has a validation split and its
/// data are small ([`small_data`]). There one validation image a class is all a single split
/// would leave to choose on.
fn cross_validates(
    config: &RunConfig,
    labels: &[Vec<u32>],
    (train, val): (&[usize], &[usize]),
    kinds: &[LossKind],
) -> bool {
    !val.is_empty() && small_data(&config.train, labels, train, kinds)
}

/// Whether the frozen recipe `train`, adapted to the training rows, is the small-data one
/// for every loss in `kinds`: full batch, refit on the training and validation rows
/// ([`adapt_frozen`]). Never for a recipe the user fixed (`adaptive` off).
pub fn small_data(
    train: &LoopConfig,
    labels: &[Vec<u32>],
    rows: &[usize],
    kinds: &[LossKind],
) -> bool {
    train.adaptive
        && kinds
            .iter()
            .all(|&k| adapt_frozen(&with_loss(train.clone(), k), labels, rows).refit)
}

/// The losses a run trains: its candidates, or its one loss.
pub fn run_losses(train: &LoopConfig) -> Vec<LossKind> {
    if train.candidates.is_empty() {
        vec![train.loss.kind]
    } else {
        train.candidates.clone()
    }
}

/// `config` with its feature power settled for the data, once they are known: when the
/// power is the recipe's default for small data only
/// ([`LoopConfig::power_on_small_data_only`]), it is kept if the run's recipe on the
/// training rows `train_rows` is the small-data one ([`small_data`]) and set to 1
/// otherwise, and the flag is cleared (so a resumed run keeps the settled power). The
/// square root was measured to help heads fitted on tens of images a class and to cost a
/// little on the demo's 9,000-row heads (docs/training.md). Any other config is returned as
/// it is.
pub fn settle_feature_power(
    config: &RunConfig,
    labels: &[Vec<u32>],
    train_rows: &[usize],
) -> RunConfig {
    let mut out = config.clone();
    if !out.train.power_on_small_data_only {
        return out;
    }
    if !small_data(&out.train, labels, train_rows, &run_losses(&out.train)) {
        out.model.feature_power = IDENTITY_POWER;
    }
    out.train.power_on_small_data_only = false;
    out
}

/// The run directory of the head the run keeps, its standardisation, every candidate's score
/// and the index of the chosen one; `None` when stopped early.
type Chosen = Option<(RunDir, Option<FeatureStats>, Vec<CandidateScore>, usize)>;

/// A frozen run's inputs, shared by its training stages.
struct Recipe<'a> {
    /// The run the user named (what `--resume` takes).
    run: &'a RunDir,
    /// Its configuration.
    config: &'a RunConfig,
    /// The raw cached features.
    data: &'a FrozenData,
    /// Scores validation codes.
    scorer: Option<&'a dyn RetrievalScorer>,
    /// Interruption and output options.
    opts: &'a LoopOptions,
    /// The training device.
    autodiff: &'a Device,
}

impl Recipe<'_> {
    /// Every candidate trained on the training rows and scored on the validation rows; the
    /// best kept, or, when its recipe asks for it (small data), refit on all rows.
    fn on_validation_split(
        &self,
        kinds: &[LossKind],
        split: (&[usize], &[usize]),
    ) -> Result<Chosen, TrainError> {
        let (stats, train_data) = standardised(self.run, self.config, self.data, split.0)?;
        let several = kinds.len() > 1;
        let mut scores = Vec::new();
        let mut refits = Vec::new();
        for &kind in kinds {
            let (sub, cfg) = candidate_run(
                self.run,
                self.config,
                kind,
                &self.data.labels,
                split.0,
                several,
            )?;
            let Some(outcome) = self.stage(&sub, &cfg, &train_data, split, self.scorer)? else {
                return Ok(None);
            };
            scores.push(CandidateScore {
                loss: kind,
                val_map: outcome.state.best_map,
                best_epoch: outcome.state.best_epoch,
                folds: Vec::new(),
            });
            refits.push(cfg.refit && !split.1.is_empty());
        }
        let winner = select(&scores);
        let sub = if several {
            let sub = RunDir::open(&candidate_dir(self.run, scores[winner].loss))?;
            record_selection(self.run, &scores, winner, &sub, refits[winner])?;
            sub
        } else {
            self.run.clone()
        };
        if !refits[winner] {
            return Ok(Some((sub, stats, scores, winner)));
        }
        let all = union(split);
        let refit = self.refit(scores[winner].loss, several, &all)?;
        Ok(refit.map(|(sub, stats)| (sub, stats, scores, winner)))
    }

    /// Every candidate scored by [`FOLDS`]-fold cross-validation over the training and
    /// validation rows together (each fold's rows queried against the head trained on the
    /// others), the best mean chosen and refit on all rows.
    fn cross_validated(
        &self,
        kinds: &[LossKind],
        split: (&[usize], &[usize]),
    ) -> Result<Chosen, TrainError> {
        let all = union(split);
        let folds = stratified_folds(&self.data.labels, &all, FOLDS, self.config.train.seed);
        let mut scores = Vec::new();
        for &kind in kinds {
            match self.cross_validate(kind, &all, &folds)? {
                Some(score) => scores.push(score),
                None => return Ok(None),
            }
        }
        let winner = select(&scores);
        let first_fold = RunDir::open(&fold_dir(self.run, scores[winner].loss, 0))?;
        record_selection(self.run, &scores, winner, &first_fold, true)?;
        let refit = self.refit(scores[winner].loss, true, &all)?;
        Ok(refit.map(|(sub, stats)| (sub, stats, scores, winner)))
    }

    /// Loss `kind` trained on all `rows` but one fold, once per fold, in
    /// `RUN/candidates/<kind>/fold<i>` (each resumed from its own checkpoint), with the
    /// recipe adapted to those rows and the features standardised over them.
    fn cross_validate(
        &self,
        kind: LossKind,
        rows: &[usize],
        folds: &[Vec<usize>],
    ) -> Result<Option<CandidateScore>, TrainError> {
        let mut maps = Vec::new();
        let mut first_epoch = None;
        for (i, held) in folds.iter().enumerate() {
            let others = rest(rows, held);
            let cfg = LoopConfig {
                candidates: Vec::new(),
                adaptive: false,
                refit: false,
                ..adapt_frozen(
                    &with_loss(self.config.train.clone(), kind),
                    &self.data.labels,
                    &others,
                )
            };
            let sub = open_or_create(&fold_dir(self.run, kind, i), self.config, &cfg)?;
            let (_, fold_data) = standardised(&sub, self.config, self.data, &others)?;
            let Some(outcome) = self.stage(&sub, &cfg, &fold_data, (&others, held), self.scorer)?
            else {
                return Ok(None);
            };
            maps.push(outcome.state.best_map.unwrap_or(0.0));
            first_epoch = first_epoch.or(outcome.state.best_epoch);
        }
        let mean = maps.iter().sum::<f64>() / maps.len().max(1) as f64;
        Ok(Some(CandidateScore {
            loss: kind,
            val_map: Some(mean),
            best_epoch: first_epoch,
            folds: maps,
        }))
    }

    /// The chosen loss `kind` trained once more, on `rows` (the training and validation rows
    /// together), with the recipe adapted to them (on small data: one more image a class, the
    /// same step budget), in `RUN/refit` (resumed from its own checkpoint with the run); its
    /// standardisation is over those rows. No validation is left to score it: the choice of
    /// loss and steps was made before. Returns its run directory and statistics; `None` when
    /// stopped early.
    fn refit(
        &self,
        kind: LossKind,
        several: bool,
        rows: &[usize],
    ) -> Result<Option<(RunDir, Option<FeatureStats>)>, TrainError> {
        let (stats, train_data) = standardised(self.run, self.config, self.data, rows)?;
        let base = if several {
            with_loss(self.config.train.clone(), kind)
        } else {
            self.config.train.clone()
        };
        let cfg = LoopConfig {
            candidates: Vec::new(),
            adaptive: false,
            refit: false,
            ..adapt_frozen(&base, &self.data.labels, rows)
        };
        let sub = open_or_create(&self.run.root().join("refit"), self.config, &cfg)?;
        let outcome = self.stage(&sub, &cfg, &train_data, (rows, &[]), None)?;
        Ok(outcome.map(|_| (sub, stats)))
    }

    /// One training stage (a candidate, a fold or the refit) in its own run directory `dir`
    /// (the run itself when it has a single candidate): from a fresh head, or from the
    /// stage's checkpoint when it has one. `None` when stopped early. An interruption names
    /// the run the user gave, not the stage's directory: resuming a stage's directory on its
    /// own would train it as a run of its own.
    fn stage(
        &self,
        dir: &RunDir,
        cfg: &LoopConfig,
        data: &FrozenData,
        split: (&[usize], &[usize]),
        scorer: Option<&dyn RetrievalScorer>,
    ) -> Result<Option<LoopOutcome>, TrainError> {
        let head = fresh_head(self.config, self.autodiff)?;
        let (head, optim, state) = resume_or_start(dir, head, cfg.optimizer.build())?;
        let trained = train_frozen(
            dir,
            cfg,
            head,
            state,
            optim,
            data,
            split,
            scorer,
            self.opts,
            self.autodiff,
        );
        match trained {
            Ok((_, outcome)) => Ok(outcome.finished.then_some(outcome)),
            Err(TrainError::Interrupted { epoch, .. }) => Err(TrainError::Interrupted {
                epoch,
                run: self.run.root().to_path_buf(),
            }),
            Err(e) => Err(e),
        }
    }
}

/// The training and validation rows together, sorted.
fn union((train, val): (&[usize], &[usize])) -> Vec<usize> {
    let mut all: Vec<usize> = train.iter().chain(val).copied().collect();
    all.sort_unstable();
    all
}

/// `data` raised to the model's feature power ([`deephash_model::HashNetConfig::feature_power`],
/// which the saved head applies itself), once for every stage of the run; `data` as it is
/// for power 1.
fn with_feature_power(data: &FrozenData, power: f32) -> Cow<'_, FrozenData> {
    if power == IDENTITY_POWER {
        Cow::Borrowed(data)
    } else {
        Cow::Owned(data.map_tables(|t| t.signed_power(power)))
    }
}

/// The features the heads train on: standardised over `rows` when the run asks for it (the
/// statistics, of the features after the feature power, saved to `DIR/standardize.json` and
/// returned), else `data` as it is.
fn standardised<'a>(
    dir: &RunDir,
    config: &RunConfig,
    data: &'a FrozenData,
    rows: &[usize],
) -> Result<(Option<FeatureStats>, Cow<'a, FrozenData>), TrainError> {
    if !config.train.standardize {
        return Ok((None, Cow::Borrowed(data)));
    }
    let stats = FeatureStats::of_rows(&data.eval, rows);
    stats.save(&dir.root().join("standardize.json"))?;
    let table = data.map_tables(|t| stats.apply(t));
    Ok((Some(stats), Cow::Owned(table)))
}

/// The index of the chosen candidate: the best validation score (the first candidate on ties
/// or without scores); when the scores are means over folds, the first candidate in the
/// documented order whose mean is within one standard error of the best mean (the
/// one-standard-error rule: fold means a few hundredths apart are noise on small data, so the
/// order, not the noise, decides between them).
pub fn select(scores: &[CandidateScore]) -> usize {
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if s.val_map.unwrap_or(f64::NEG_INFINITY)
            > scores[best].val_map.unwrap_or(f64::NEG_INFINITY)
        {
            best = i;
        }
    }
    let (Some(best_map), Some(error)) = (scores[best].val_map, standard_error(&scores[best].folds))
    else {
        return best;
    };
    scores
        .iter()
        .position(|s| s.val_map.is_some_and(|m| m >= best_map - error))
        .unwrap_or(best)
}

/// The standard error of the mean of `folds` (sample deviation / sqrt(k)); `None` for fewer
/// than two folds.
fn standard_error(folds: &[f64]) -> Option<f64> {
    let k = folds.len();
    if k < 2 {
        return None;
    }
    let mean = folds.iter().sum::<f64>() / k as f64;
    let var = folds.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
    Some((var / k as f64).sqrt())
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
    let sub = open_or_create(
        &candidate_dir(run, kind),
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

/// `RUN/candidates/<kind>`: candidate `kind`'s run directory (or, cross-validated, the
/// folder of its folds).
fn candidate_dir(run: &RunDir, kind: LossKind) -> std::path::PathBuf {
    run.root().join("candidates").join(kind.to_string())
}

/// `RUN/candidates/<kind>/fold<i>`: the run directory of candidate `kind` trained without fold `i`.
fn fold_dir(run: &RunDir, kind: LossKind, i: usize) -> std::path::PathBuf {
    candidate_dir(run, kind).join(format!("fold{i}"))
}

/// Writes `RUN/selection.json` and copies the metrics log and centres of `from` (the
/// winner's candidate run, or its first fold) into `RUN`.
fn record_selection(
    run: &RunDir,
    scores: &[CandidateScore],
    winner: usize,
    from: &RunDir,
    refit: bool,
) -> Result<(), TrainError> {
    let json = serde_json::json!({
        "chosen": scores[winner].loss,
        "by": selection_basis(scores),
        "candidates": scores,
        "refit_on_train_and_validation": refit,
    });
    let path = run.root().join("selection.json");
    crate::atomic::write(&path, &serde_json::to_vec_pretty(&json).expect("serialise"))?;
    for (from, to) in [
        (from.metrics_log_path(), run.metrics_log_path()),
        (from.centres_path(), run.centres_path()),
    ] {
        if from.is_file() {
            std::fs::copy(&from, &to).map_err(|e| TrainError::io(&to, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(loss: LossKind, folds: &[f64]) -> CandidateScore {
        CandidateScore {
            loss,
            val_map: Some(folds.iter().sum::<f64>() / folds.len() as f64),
            best_epoch: None,
            folds: folds.to_vec(),
        }
    }

    #[test]
    fn a_single_split_takes_the_best_score_and_the_first_on_ties() {
        let mut a = score(LossKind::Csq, &[0.70]);
        let mut b = score(LossKind::Triplet, &[0.72]);
        a.folds.clear();
        b.folds.clear();
        assert_eq!(select(&[a.clone(), b.clone()]), 1);
        b.val_map = a.val_map;
        assert_eq!(select(&[a, b]), 0);
    }

    #[test]
    fn folds_take_the_first_candidate_within_one_standard_error_of_the_best() {
        // Best mean 0.80 (triplet); sample deviation 0.0316, standard error 0.0141.
        let triplet = [0.78, 0.82, 0.80, 0.76, 0.84];
        let error = standard_error(&triplet).unwrap();
        assert!((error - 0.014142).abs() < 1e-5, "{error}");
        let close = score(LossKind::Csq, &[0.79, 0.80, 0.78, 0.79, 0.79]); // 0.790
        let far = score(LossKind::Csq, &[0.77, 0.78, 0.78, 0.78, 0.78]); // 0.778
        let ortho = score(LossKind::Orthohash, &[0.70; 5]);
        let best = score(LossKind::Triplet, &triplet);
        assert_eq!(select(&[close, ortho.clone(), best.clone()]), 0);
        assert_eq!(select(&[far, ortho, best]), 2);
    }
}
