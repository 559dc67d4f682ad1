//! The frozen recipe on small data (full batch): every candidate keeps the model of its last
//! step (not the best of its validations), and the chosen loss is trained once more on the
//! training and validation rows together (`RUN/refit`), whose head, with the standardisation
//! of all those rows folded in, is the run's. Synthetic cached features, CPU, a few seconds.

mod common;

use burn::tensor::Device;
use deephash_data::{DatasetKind, DatasetSpec};
use deephash_model::{BackboneKind, HashNetConfig, HeadKind};
use deephash_train::checkpoint::load_module;
use deephash_train::features::FeatureTable;
use deephash_train::frozen::FrozenData;
use deephash_train::frozen_recipe::{FEATURE_DROPOUT, MIN_STEPS};
use deephash_train::frozen_select::{read_selection, train_frozen_recipe};
use deephash_train::loss::LossKind;
use deephash_train::recipe::loop_config;
use deephash_train::split::validation_split;
use deephash_train::standardize::FeatureStats;
use deephash_train::trainer::LoopOptions;
use deephash_train::{DataSpec, RunConfig, RunDir, TrainMode};

const DIM: usize = 24;
const BITS: usize = 16;
const CLASSES: usize = 5;
const PER_CLASS: usize = 12;

fn run_config() -> RunConfig {
    let mut model = HashNetConfig::new(BackboneKind::SmallCnn, HeadKind::Linear, BITS);
    if let deephash_model::BackboneConfig::SmallCnn(c) = &mut model.backbone {
        c.width = DIM;
        c.stages = 1;
    }
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

#[test]
fn small_data_keeps_the_last_step_then_refits_the_chosen_loss_on_train_and_validation() {
    let (values, labels) = common::clustered_features(CLASSES, PER_CLASS, DIM, 1.5, 5);
    let data = FrozenData {
        labels,
        eval: FeatureTable { dim: DIM, values },
        views: Vec::new(),
    };
    let config = run_config();
    let dir = tempfile::tempdir().unwrap();
    let run = RunDir::create(dir.path(), &config).unwrap();
    let (train, val) = validation_split(&data.labels, config.data.val_fraction, 0);
    assert_eq!(val.len(), CLASSES, "one validation image a class");
    let opts = LoopOptions {
        quiet: true,
        interrupt: None,
        stop_after_epochs: None,
    };
    let (autodiff, plain) = (Device::flex().autodiff(), Device::flex());
    let scorer = common::sign_map;
    let outcome = train_frozen_recipe(
        &run,
        &config,
        &data,
        (&train, &val),
        Some(&scorer),
        &opts,
        (&autodiff, &plain),
    )
    .unwrap()
    .expect("finished");

    for score in &outcome.scores {
        assert_eq!(
            score.best_epoch,
            Some(MIN_STEPS),
            "{score:?}: the last step kept"
        );
    }
    let selection = read_selection(&run).unwrap().unwrap();
    assert_eq!(selection.chosen, outcome.loss);
    let refit = RunDir::open(&dir.path().join("refit")).unwrap();
    let refit_cfg = refit.config().unwrap().train;
    assert_eq!(refit_cfg.loss.kind, outcome.loss);
    assert_eq!(
        (refit_cfg.per_class, refit_cfg.epochs),
        (PER_CLASS, MIN_STEPS),
        "full batch of every image, the same step budget"
    );
    assert_eq!(refit_cfg.feature_dropout, FEATURE_DROPOUT);

    // The run's head is the refit head with the standardisation of every row folded in.
    let all: Vec<usize> = (0..data.labels.len()).collect();
    let stats = FeatureStats::of_rows(&data.eval, &all);
    let template = HeadKind::Linear.init(DIM, BITS, &plain).unwrap();
    let refit_head = load_module(template, &refit.best_path()).unwrap();
    let expected = refit_head
        .forward(stats.apply(&data.eval).gather(&all, &plain))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let got = outcome
        .head
        .forward(data.eval.gather(&all, &plain))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let worst = expected
        .iter()
        .zip(&got)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0_f32, f32::max);
    assert!(worst < 1e-4, "run head vs refit head: {worst}");
}
