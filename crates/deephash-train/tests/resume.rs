//! A run stopped after some epochs and resumed reproduces the uninterrupted run exactly
//! (losses, validation mAP, best epoch and final weights) on CPU; frozen mode on synthetic
//! cached features, so the test takes well under a second of training.

mod common;

use std::path::Path;

use burn::tensor::Device;
use deephash_data::{DatasetKind, DatasetSpec};
use deephash_model::{BackboneKind, HashNetConfig, HeadKind};
use deephash_train::checkpoint::{load_module, resume_or_start};
use deephash_train::features::FeatureTable;
use deephash_train::frozen::{FrozenData, train_frozen};
use deephash_train::loss::{HashLoss, Mining};
use deephash_train::optim::OptimizerSettings;
use deephash_train::schedule::{Schedule, ScheduleKind};
use deephash_train::split::validation_split;
use deephash_train::trainer::LoopOptions;
use deephash_train::{DataSpec, LoopConfig, RunConfig, RunDir, TrainMode};

const DIM: usize = 24;
const BITS: usize = 16;

fn data() -> FrozenData {
    let (values, labels) = common::clustered_features(6, 40, DIM, 0.8, 3);
    let (view, _) = common::clustered_features(6, 40, DIM, 0.9, 3);
    FrozenData {
        labels,
        eval: FeatureTable { dim: DIM, values },
        views: vec![FeatureTable {
            dim: DIM,
            values: view,
        }],
    }
}

fn loop_config() -> LoopConfig {
    LoopConfig {
        mode: TrainMode::Frozen,
        epochs: 6,
        classes_per_batch: 4,
        per_class: 6,
        loss: HashLoss::triplet(8.0, Mining::All, 0.1),
        optimizer: OptimizerSettings::default(),
        schedule: Schedule {
            base_lr: 0.01,
            kind: ScheduleKind::Step {
                every: 4,
                gamma: 0.1,
            },
            warmup_epochs: 1,
        },
        backbone_lr_mult: 1.0,
        validate_every: 1,
        seed: 7,
        standardize: false,
        adaptive: false,
        candidates: Vec::new(),
    }
}

fn run_config() -> RunConfig {
    let mut model = HashNetConfig::new(BackboneKind::SmallCnn, HeadKind::Linear, BITS);
    if let deephash_model::BackboneConfig::SmallCnn(c) = &mut model.backbone {
        c.width = DIM;
        c.stages = 1;
    }
    RunConfig {
        weights: None,
        model,
        data: DataSpec {
            // Recorded only: the test trains on synthetic features in memory.
            source: DatasetSpec::new(DatasetKind::FashionMnist, None),
            val_fraction: 0.2,
            views: 1,
            max_per_class: None,
            skip_bad: false,
            augment: true,
        },
        train: loop_config(),
        device: "cpu".into(),
    }
}

/// Trains (or resumes) in `dir`, stopping after `stop` epochs when given.
fn train(dir: &Path, stop: Option<usize>, resume: bool) -> bool {
    let device = Device::flex().autodiff();
    let cfg = run_config();
    let run = if resume {
        RunDir::open(dir).unwrap()
    } else {
        RunDir::create(dir, &cfg).unwrap()
    };
    device.seed(cfg.train.seed);
    let head = HeadKind::Linear.init(DIM, BITS, &device).unwrap();
    let optim = cfg.train.optimizer.build();
    let (head, optim, state) = resume_or_start(&run, head, optim).unwrap();
    let data = data();
    let (train, val) = validation_split(&data.labels, cfg.data.val_fraction, cfg.train.seed);
    let opts = LoopOptions {
        quiet: true,
        interrupt: None,
        stop_after_epochs: stop,
    };
    let scorer = common::sign_map;
    let (_, outcome) = train_frozen(
        &run,
        &cfg.train,
        head,
        state,
        optim,
        &data,
        (&train[..], &val[..]),
        Some(&scorer),
        &opts,
        &device,
    )
    .unwrap();
    outcome.finished
}

fn best_weights(dir: &Path) -> Vec<f32> {
    let device = Device::flex();
    let head = HeadKind::Linear.init(DIM, BITS, &device).unwrap();
    let head = load_module(head, &RunDir::open(dir).unwrap().best_path()).unwrap();
    let x = FeatureTable {
        dim: DIM,
        values: (0..DIM).map(|i| i as f32 / DIM as f32).collect(),
    };
    head.forward(x.gather(&[0], &device))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap()
}

#[test]
fn resumed_run_reproduces_the_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(train(&a, None, false));
    assert!(!train(&b, Some(3), false), "the first half stops early");
    assert_eq!(RunDir::open(&b).unwrap().read_metrics().unwrap().len(), 3);
    assert!(train(&b, None, true), "the resumed half finishes");

    let ma = RunDir::open(&a).unwrap().read_metrics().unwrap();
    let mb = RunDir::open(&b).unwrap().read_metrics().unwrap();
    assert_eq!(ma.len(), 6);
    assert_eq!(mb.len(), 6);
    for (x, y) in ma.iter().zip(&mb) {
        assert_eq!(x.epoch, y.epoch);
        assert_eq!(x.loss, y.loss, "epoch {} loss", x.epoch);
        assert_eq!(x.lr, y.lr);
        assert_eq!(x.val_map, y.val_map, "epoch {} val mAP", x.epoch);
    }
    assert_eq!(best_weights(&a), best_weights(&b));
    // Training did something: the loss fell and validation mAP is far above chance (1/6).
    assert!(ma[5].loss < ma[0].loss, "{ma:?}");
    assert!(
        ma.iter().filter_map(|m| m.val_map).fold(0.0, f64::max) > 0.6,
        "{ma:?}"
    );
}

#[test]
fn a_second_create_in_the_same_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    RunDir::create(tmp.path(), &run_config()).unwrap();
    let err = RunDir::create(tmp.path(), &run_config()).unwrap_err();
    assert!(err.to_string().contains("--resume"), "{err}");
}
