//! A run stopped after some epochs and resumed reproduces the uninterrupted run exactly
//! (losses, validation mAP, best epoch and final weights) on CPU; frozen mode on synthetic
//! cached features, so the test takes well under a second of training. The same holds for a
//! run stopped by a full disk (a small tmpfs; root only, skipped with a message elsewhere).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

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
use deephash_train::{DataSpec, LoopConfig, RunConfig, RunDir, TrainError, TrainMode};

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
        feature_dropout: 0.0,
        keep_final: false,
        refit: false,
        power_on_small_data_only: false,
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
    try_train(dir, stop, resume).unwrap()
}

/// Held by every training in this file: the device's random generator (seeded, then drawn by
/// the head's initialisation and the batches) is one per process, so two tests training at
/// once would draw each other's numbers and no longer reproduce a run.
static DEVICE_RNG: Mutex<()> = Mutex::new(());

/// [`train`], returning the training error instead of panicking.
fn try_train(dir: &Path, stop: Option<usize>, resume: bool) -> Result<bool, TrainError> {
    let _rng = DEVICE_RNG
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Device::flex().autodiff();
    let cfg = run_config();
    let run = if resume {
        RunDir::open(dir)?
    } else {
        RunDir::create(dir, &cfg)?
    };
    device.seed(cfg.train.seed);
    let head = HeadKind::Linear.init(DIM, BITS, &device).unwrap();
    let optim = cfg.train.optimizer.build();
    let (head, optim, state) = resume_or_start(&run, head, optim)?;
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
    )?;
    Ok(outcome.finished)
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

/// Metrics and best weights of two finished runs are equal.
fn assert_same_run(a: &Path, b: &Path) {
    let ma = RunDir::open(a).unwrap().read_metrics().unwrap();
    let mb = RunDir::open(b).unwrap().read_metrics().unwrap();
    assert_eq!(ma.len(), mb.len(), "{ma:?}\n{mb:?}");
    for (x, y) in ma.iter().zip(&mb) {
        assert_eq!((x.epoch, x.loss, x.val_map), (y.epoch, y.loss, y.val_map));
    }
    assert_eq!(best_weights(a), best_weights(b));
}

/// A tmpfs of `kib` KiB, unmounted on drop; `None` where mounting needs a root we are not.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(kib: usize) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        mounted.then_some(Self(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

/// Writes zeros to `path` until the disk is full.
fn fill_disk(path: &Path) {
    let mut file = std::fs::File::create(path).unwrap();
    let block = [0u8; 4096];
    while file
        .write_all(&block)
        .and_then(|()| file.sync_all())
        .is_ok()
    {}
}

/// Every file under `dir` whose name says it is a temporary.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(temporaries(&path));
        } else if entry.file_name().to_string_lossy().contains(".tmp") {
            found.push(path);
        }
    }
    found
}

/// Stops a run on `disk` after three epochs, fills the disk but for `spare` pages, resumes: the
/// write that meets the full disk fails with an error naming its file, no temporary file is
/// left and the last checkpoint is still the one to resume from; then frees the disk, resumes
/// to the end and checks the run equals `reference`. Returns the error, if the disk filled.
fn full_disk_then_resume(disk: &Path, spare: u64, reference: &Path) -> Option<String> {
    let run = disk.join(format!("run-{spare}"));
    let filler = disk.join("filler");
    assert!(!train(&run, Some(3), false), "the first half stops early");
    let checkpoint = RunDir::open(&run).unwrap().latest_checkpoint().unwrap();
    fill_disk(&filler);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap();
    let len = file.metadata().unwrap().len();
    file.set_len(len.saturating_sub(spare * 4096)).unwrap();
    drop(file);
    let failure = match try_train(&run, None, true) {
        Ok(finished) => {
            assert!(finished, "the run finishes when the spare space sufficed");
            None
        }
        Err(err) => {
            let text = err.to_string();
            println!("{spare} spare pages: training stopped with: {text}");
            assert!(text.contains("No space left on device"), "{text}");
            assert!(
                text.contains(&*run.to_string_lossy()),
                "names the file: {text}"
            );
            assert_eq!(
                temporaries(&run),
                Vec::<PathBuf>::new(),
                "temporary files left"
            );
            let now = RunDir::open(&run).unwrap().latest_checkpoint().unwrap();
            assert!(
                now.as_ref().map(|c| c.generation) >= checkpoint.as_ref().map(|c| c.generation),
                "a checkpoint went back: {checkpoint:?} -> {now:?}"
            );
            Some(text)
        }
    };
    std::fs::remove_file(&filler).unwrap();
    if failure.is_some() {
        assert!(train(&run, None, true), "the resumed run finishes");
    }
    assert_same_run(reference, &run);
    failure
}

#[test]
fn a_run_stopped_by_a_full_disk_fails_cleanly_and_resumes_once_space_is_freed() {
    let Some(disk) = Tmpfs::mount(2048) else {
        eprintln!("NOTICE: full-disk training test skipped: mounting a tmpfs needs root");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    assert!(train(&reference, None, false));
    // With 0..6 spare pages the disk fills at different writes: the metrics line, a
    // checkpoint's model or optimiser file, the best model.
    let failures: Vec<String> = (0..6)
        .filter_map(|spare| full_disk_then_resume(disk.0.path(), spare, &reference))
        .collect();
    assert!(!failures.is_empty(), "the disk never filled");
    assert!(
        failures.iter().any(|f| f.contains("checkpoints")),
        "no checkpoint write met the full disk: {failures:?}"
    );
}

#[test]
fn a_second_create_in_the_same_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    RunDir::create(tmp.path(), &run_config()).unwrap();
    let err = RunDir::create(tmp.path(), &run_config()).unwrap_err();
    assert!(err.to_string().contains("--resume"), "{err}");
}
