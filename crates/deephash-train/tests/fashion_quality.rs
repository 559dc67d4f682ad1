//! Quality of the small CNN trained from scratch on a Fashion-MNIST subset (1,000 train and
//! 200 test images per class, the first of each class in the official files), test queries
//! against the training database, mAP@all of sign codes.
//!
//! Ignored by default: it needs the Debian package `dataset-fashion-mnist`
//! (`/usr/share/datasets/fashion-mnist/*.gz`, or `FASHION_MNIST_DIR`) and about 8 minutes per
//! code length on two cores. Run with
//! `cargo test -p deephash-train --test fashion_quality -- --ignored --nocapture`;
//! `DEEPHASH_BITS=16,64` and `DEEPHASH_EPOCHS=N` override the defaults.

mod common;

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use deephash_data::{DatasetKind, DatasetSpec, RgbImage};
use deephash_model::{BackboneKind, HashNetConfig, HeadKind};
use deephash_train::checkpoint::{load_module, resume_or_start};
use deephash_train::finetune::{net_embeddings, train_finetune};
use deephash_train::memory_source::{MemorySource, training_transforms};
use deephash_train::split::validation_split;
use deephash_train::trainer::LoopOptions;
use deephash_train::{DataSpec, ImageSource, RunConfig, RunDir, TrainMode};

fn idx(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("FASHION_MNIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/datasets/fashion-mnist"));
    let file = std::fs::File::open(dir.join(name)).expect("fashion-mnist files");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn subset(images: &str, labels: &str, per_class: usize) -> (Vec<RgbImage>, Vec<Vec<u32>>) {
    let (pix, lab) = (idx(images), idx(labels));
    let mut count = [0usize; 10];
    let (mut imgs, mut labs) = (Vec::new(), Vec::new());
    for (i, &l) in lab[8..].iter().enumerate() {
        if count[l as usize] < per_class {
            count[l as usize] += 1;
            let grey = &pix[16 + i * 784..16 + (i + 1) * 784];
            imgs.push(RgbImage::from_grey(28, 28, grey).unwrap());
            labs.push(vec![u32::from(l)]);
        }
    }
    (imgs, labs)
}

fn env_list(name: &str, default: &str) -> Vec<usize> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

#[test]
#[ignore = "needs the Fashion-MNIST files and about 8 minutes per code length on 2 cores"]
fn small_cnn_from_scratch_on_fashion_mnist() {
    let kind = BackboneKind::SmallCnn;
    let augment = deephash_train::recipe::default_augment(kind);
    let (train_tf, eval_tf) = training_transforms(kind, augment);
    let (ti, tl) = subset(
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        1000,
    );
    let (qi, ql) = subset(
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        200,
    );
    let train = MemorySource::new(ti, tl, train_tf, eval_tf, "fm-train".into()).unwrap();
    let test = MemorySource::new(qi, ql, train_tf, eval_tf, "fm-test".into()).unwrap();
    let epochs = env_list("DEEPHASH_EPOCHS", "0")[0];
    for bits in env_list("DEEPHASH_BITS", "16,64") {
        let tmp = tempfile::tempdir().unwrap();
        let mut cfg = RunConfig {
            weights: None,
            model: HashNetConfig::new(kind, HeadKind::Linear, bits),
            data: DataSpec {
                source: DatasetSpec::new(DatasetKind::FashionMnist, None),
                val_fraction: 0.1,
                views: 0,
                max_per_class: None,
                skip_bad: false,
                augment,
            },
            train: deephash_train::recipe::loop_config(kind, TrainMode::Finetune, bits),
            device: "cpu".into(),
        };
        if epochs > 0 {
            cfg.train.epochs = epochs;
        }
        let run = RunDir::create(tmp.path(), &cfg).unwrap();
        let device = Device::flex().autodiff();
        device.seed(cfg.train.seed);
        let net = cfg.model.init(&device).unwrap();
        let (net, optim, state) = resume_or_start(&run, net, cfg.train.optimizer.build()).unwrap();
        let labels = train.labels();
        let (tr, va) = validation_split(&labels, cfg.data.val_fraction, cfg.train.seed);
        let start = Instant::now();
        let scorer = common::sign_map;
        let opts = LoopOptions {
            quiet: false,
            ..Default::default()
        };
        let (_, _) = train_finetune(
            &run,
            &cfg.train,
            net,
            state,
            optim,
            &train,
            (&tr[..], &va[..]),
            Some(&scorer),
            &opts,
            &device,
        )
        .unwrap();
        let seconds = start.elapsed().as_secs_f64();
        let plain = Device::flex();
        let best = load_module(cfg.model.init(&plain).unwrap(), &run.best_path()).unwrap();
        let all: Vec<usize> = (0..train.len()).collect();
        let db = net_embeddings(&best, &train, &all, &labels, 500, &plain).unwrap();
        let qrows: Vec<usize> = (0..test.len()).collect();
        let q = net_embeddings(&best, &test, &qrows, &test.labels(), 500, &plain).unwrap();
        let map = common::sign_map(&q, &db).unwrap();
        for m in run.read_metrics().unwrap() {
            println!("{}", serde_json::to_string(&m).unwrap());
        }
        println!("bits={bits} test_map={map:.4} train_seconds={seconds:.1}");
        if epochs == 0 {
            // The project's goals for the default recipe (measured: 0.902 at 64 bits, 0.882 at 16).
            let goal = if bits >= 64 { 0.85 } else { 0.80 };
            assert!(map >= goal, "{bits} bits: test mAP {map:.4} < {goal}");
        }
    }
}
