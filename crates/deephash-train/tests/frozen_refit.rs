//! The frozen recipe on small data (full batch): every candidate is scored by 5-fold
//! cross-validation over the training and validation rows (each fold keeping the model of its
//! last step), and the chosen loss is trained once more on all those rows (`RUN/refit`), whose
//! head, with the standardisation of all those rows folded in and the feature power set, is
//! the run's. Synthetic cached
//! features, CPU, a few seconds.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use burn::tensor::Device;
use deephash_data::{DatasetKind, DatasetSpec};
use deephash_model::{BackboneKind, HashNetConfig, HeadKind};
use deephash_train::checkpoint::load_module;
use deephash_train::features::FeatureTable;
use deephash_train::folds::{FOLDS, stratified_folds};
use deephash_train::frozen::FrozenData;
use deephash_train::frozen_recipe::{FEATURE_DROPOUT, MIN_STEPS};
use deephash_train::frozen_select::{
    FrozenOutcome, read_selection, settle_feature_power, train_frozen_recipe,
};
use deephash_train::loss::LossKind;
use deephash_train::recipe::loop_config;
use deephash_train::split::validation_split;
use deephash_train::standardize::FeatureStats;
use deephash_train::trainer::LoopOptions;
use deephash_train::{DataSpec, RunConfig, RunDir, TrainError, TrainMode};

const DIM: usize = 24;
const BITS: usize = 16;
const CLASSES: usize = 5;
const PER_CLASS: usize = 12;
/// The signed power of the features (frozen mode's default, applied by the saved head).
const POWER: f32 = 0.5;

fn run_config() -> RunConfig {
    let mut model = HashNetConfig::new(BackboneKind::SmallCnn, HeadKind::Linear, BITS);
    if let deephash_model::BackboneConfig::SmallCnn(c) = &mut model.backbone {
        c.width = DIM;
        c.stages = 1;
    }
    model.feature_power = POWER;
    let mut train = loop_config(BackboneKind::ResNet18, TrainMode::Frozen, BITS);
    train.standardize = true;
    train.adaptive = true;
    train.candidates = vec![LossKind::Csq, LossKind::Orthohash];
    RunConfig {
        weights: None,
        model,
        data: DataSpec {
            // Recorded only: the test trains on synthetic features in memory.
            source: DatasetSpec::new(DatasetKind::FashionMnist, None),
            val_fraction: 0.1,
            views: 0,
            max_per_class: None,
            skip_bad: false,
            augment: false,
        },
        train,
        device: "cpu".into(),
    }
}

fn features() -> FrozenData {
    let (values, labels) = common::clustered_features(CLASSES, PER_CLASS, DIM, 1.5, 5);
    FrozenData {
        labels,
        eval: FeatureTable { dim: DIM, values },
        views: Vec::new(),
    }
}

/// Held by every training in this file: the device's random generator (seeded, then drawn by
/// the heads' initialisation) is one per process, so two tests training at once would draw
/// each other's numbers and no longer reproduce a run.
static DEVICE_RNG: Mutex<()> = Mutex::new(());

/// Runs the frozen recipe on `data` in `dir` (created, or resumed when `resume`), stopping at
/// the next step once `interrupt` is set.
fn train(
    dir: &Path,
    data: &FrozenData,
    resume: bool,
    interrupt: Option<Arc<AtomicBool>>,
) -> Result<Option<FrozenOutcome>, TrainError> {
    let _rng = DEVICE_RNG
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let config = run_config();
    let run = if resume {
        RunDir::open(dir)?
    } else {
        RunDir::create(dir, &config)?
    };
    let (train, val) = validation_split(&data.labels, config.data.val_fraction, 0);
    assert_eq!(val.len(), CLASSES, "one validation image a class");
    let opts = LoopOptions {
        quiet: true,
        interrupt,
        stop_after_epochs: None,
    };
    let (autodiff, plain) = (Device::flex().autodiff(), Device::flex());
    let scorer = common::sign_map;
    train_frozen_recipe(
        &run,
        &config,
        data,
        (&train, &val),
        Some(&scorer),
        &opts,
        (&autodiff, &plain),
    )
}

/// The relaxed codes of every row of `data` through the run's head.
fn codes(outcome: &FrozenOutcome, data: &FrozenData) -> Vec<f32> {
    let all: Vec<usize> = (0..data.labels.len()).collect();
    outcome
        .head
        .forward(data.eval.gather(&all, &Device::flex()))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap()
}

#[test]
fn the_default_feature_power_is_kept_on_small_data_only() {
    let mut config = run_config();
    config.train.power_on_small_data_only = true;
    let small = features().labels;
    let rows: Vec<usize> = (0..small.len()).collect();
    let settled = settle_feature_power(&config, &small, &rows);
    assert_eq!(settled.model.feature_power, POWER, "full batch: kept");
    assert!(!settled.train.power_on_small_data_only, "settled once");
    // More rows than a hash-centre full batch holds: P x K batches, no power.
    let large: Vec<Vec<u32>> = (0..3 * 1024).map(|i| vec![(i % CLASSES) as u32]).collect();
    let rows: Vec<usize> = (0..large.len()).collect();
    let settled = settle_feature_power(&config, &large, &rows);
    assert_eq!(settled.model.feature_power, 1.0, "large data: off");
    assert!(!settled.train.power_on_small_data_only);
    assert_eq!(
        settle_feature_power(&settled, &small, &rows[..small.len()]),
        settled,
        "a settled run (resumed) keeps its power"
    );
    config.train.power_on_small_data_only = false;
    assert_eq!(
        settle_feature_power(&config, &large, &rows),
        config,
        "the user's power is kept whatever the size"
    );
}

#[test]
fn small_data_keeps_the_last_step_then_refits_the_chosen_loss_on_train_and_validation() {
    let data = features();
    let dir = tempfile::tempdir().unwrap();
    let outcome = train(dir.path(), &data, false, None)
        .unwrap()
        .expect("finished");
    let run = RunDir::open(dir.path()).unwrap();
    let plain = Device::flex();

    for score in &outcome.scores {
        assert_eq!(
            score.best_epoch,
            Some(MIN_STEPS),
            "{score:?}: the last step kept"
        );
    }
    let selection = read_selection(&run).unwrap().unwrap();
    assert_eq!(selection.chosen, outcome.loss);
    assert_eq!(selection.candidates, outcome.scores);

    // Every candidate's score is the mean over five stratified folds of all 60 rows, each
    // fold's head trained on the other four (48 rows, full batch) in its own run directory.
    let all: Vec<usize> = (0..data.labels.len()).collect();
    let folds = stratified_folds(&data.labels, &all, FOLDS, 0);
    for score in &outcome.scores {
        assert_eq!(score.folds.len(), FOLDS, "{score:?}");
        let mean = score.folds.iter().sum::<f64>() / FOLDS as f64;
        assert!((score.val_map.unwrap() - mean).abs() < 1e-12, "{score:?}");
        for (i, fold) in folds.iter().enumerate() {
            let dir = dir
                .path()
                .join("candidates")
                .join(score.loss.to_string())
                .join(format!("fold{i}"));
            let cfg = RunDir::open(&dir).unwrap().config().unwrap().train;
            assert_eq!(cfg.loss.kind, score.loss);
            let largest = (0..CLASSES as u32)
                .map(|c| {
                    let held = fold.iter().filter(|&&r| data.labels[r][0] == c).count();
                    PER_CLASS - held
                })
                .max();
            assert_eq!(
                (cfg.classes_per_batch, Some(cfg.per_class), cfg.epochs),
                (CLASSES, largest, MIN_STEPS),
                "fold {i}: full batch of the other folds' rows"
            );
        }
    }
    // The one-standard-error rule: the first candidate (in the given order) whose mean is
    // within one standard error of the best mean's folds.
    let best = outcome
        .scores
        .iter()
        .max_by(|a, b| a.val_map.partial_cmp(&b.val_map).unwrap())
        .unwrap();
    let best_mean = best.val_map.unwrap();
    let deviation = (best
        .folds
        .iter()
        .map(|m| (m - best_mean).powi(2))
        .sum::<f64>()
        / (FOLDS - 1) as f64)
        .sqrt();
    let bar = best_mean - deviation / (FOLDS as f64).sqrt();
    let expected = outcome
        .scores
        .iter()
        .find(|s| s.val_map.unwrap() >= bar)
        .unwrap();
    assert_eq!(outcome.loss, expected.loss, "{:?}", outcome.scores);
    let refit = RunDir::open(&dir.path().join("refit")).unwrap();
    let refit_cfg = refit.config().unwrap().train;
    assert_eq!(refit_cfg.loss.kind, outcome.loss);
    assert_eq!(
        (refit_cfg.per_class, refit_cfg.epochs),
        (PER_CLASS, MIN_STEPS),
        "full batch of every image, the same step budget"
    );
    assert_eq!(refit_cfg.feature_dropout, FEATURE_DROPOUT);

    // The run's head is the refit head with the standardisation of every row folded in and
    // the feature power set: on raw features it gives the refit head's outputs on the
    // powered, standardised features it trained on.
    assert_eq!(outcome.head.input_power(), POWER);
    let powered = data.eval.signed_power(POWER);
    let stats = FeatureStats::of_rows(&powered, &all);
    let template = HeadKind::Linear.init(DIM, BITS, &plain).unwrap();
    let refit_head = load_module(template, &refit.best_path()).unwrap();
    let expected = refit_head
        .forward(stats.apply(&powered).gather(&all, &plain))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let got = codes(&outcome, &data);
    let worst = expected
        .iter()
        .zip(&got)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0_f32, f32::max);
    assert!(worst < 1e-4, "run head vs refit head: {worst}");
}

/// Runs the recipe in a fresh directory, asking it to stop once the stage logging to
/// `stage/metrics.jsonl` (relative to the run) has logged five steps; returns the directory
/// and the step at which the run stopped. The interruption names the run, not the stage.
fn interrupted_in(data: &FrozenData, stage: &str) -> (tempfile::TempDir, usize) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join(stage).join("metrics.jsonl");
    let flag = Arc::new(AtomicBool::new(false));
    let watcher = {
        let flag = flag.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                let steps = std::fs::read_to_string(&log).map_or(0, |t| t.lines().count());
                if steps >= 5 {
                    flag.store(true, Ordering::SeqCst);
                }
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        })
    };
    let stopped = train(dir.path(), data, false, Some(flag.clone()));
    flag.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    match stopped {
        Err(TrainError::Interrupted { epoch, run }) => {
            assert_eq!(run, dir.path(), "the interruption names the run to resume");
            assert!(
                (5..MIN_STEPS).contains(&epoch),
                "stopped inside {stage}, at step {epoch}"
            );
            (dir, epoch)
        }
        other => panic!("expected an interruption inside {stage}, got {other:?}"),
    }
}

/// Resumes the run in `dir` and checks it ends as the uninterrupted run `expected`, to the
/// last bit.
fn resumes_to(dir: &Path, data: &FrozenData, expected: &FrozenOutcome) {
    let resumed = train(dir, data, true, None).unwrap().expect("finished");
    assert_eq!(resumed.loss, expected.loss);
    assert_eq!(resumed.scores, expected.scores);
    assert_eq!(
        codes(&resumed, data),
        codes(expected, data),
        "resumed and uninterrupted heads differ"
    );
}

/// Interrupted inside the refit (after the folds and the choice), then resumed by resuming
/// the run: the refit continues from its checkpoint and the run ends with the head of an
/// uninterrupted run, to the last bit.
#[test]
fn a_run_interrupted_in_the_refit_resumes_to_the_uninterrupted_head() {
    let data = features();
    let whole = tempfile::tempdir().unwrap();
    let expected = train(whole.path(), &data, false, None)
        .unwrap()
        .expect("finished");
    let (dir, _) = interrupted_in(&data, "refit");
    assert!(
        read_selection(&RunDir::open(dir.path()).unwrap())
            .unwrap()
            .is_some(),
        "the choice was made before the refit"
    );
    resumes_to(dir.path(), &data, &expected);
}

/// Interrupted inside a fold of the second candidate, then resumed: the finished folds are
/// not trained again (their logs keep their 300 lines), the fold continues from its
/// checkpoint, and the run ends with the scores and head of an uninterrupted run.
#[test]
fn a_run_interrupted_in_a_fold_resumes_to_the_uninterrupted_scores_and_head() {
    let data = features();
    let whole = tempfile::tempdir().unwrap();
    let expected = train(whole.path(), &data, false, None)
        .unwrap()
        .expect("finished");
    let (dir, _) = interrupted_in(&data, "candidates/orthohash/fold2");
    let done = dir.path().join("candidates/csq/fold4/metrics.jsonl");
    assert!(
        read_selection(&RunDir::open(dir.path()).unwrap())
            .unwrap()
            .is_none(),
        "no choice before every fold is scored"
    );
    resumes_to(dir.path(), &data, &expected);
    let lines = std::fs::read_to_string(done).unwrap().lines().count();
    assert_eq!(lines, MIN_STEPS, "a finished fold is not trained again");
}
