//! Run files written before a field existed still load, with the behaviour they were trained
//! with. Fixture: `tests/fixtures/config-before-loss.toml`, the `config.toml` that
//! `deephash train --dataset fashion-mnist --backbone small-cnn --bits 16 --epochs 1
//! --max-per-class 4 --classes-per-batch 3 --per-class 2` wrote before `--loss` existed, and
//! `tests/fixtures/config-before-single-backbone.toml`, what the same command wrote before the
//! configuration stored the backbone once (a top-level `backbone` beside `[model.backbone]`)
//! and the data set as the data crate's typed `DatasetSpec`.

use std::path::{Path, PathBuf};

use deephash_data::{DatasetKind, DatasetSpec};
use deephash_model::BackboneKind;
use deephash_train::loss::{LossKind, Mining, ORTHOHASH_MARGIN, ORTHOHASH_SCALE};
use deephash_train::{RunConfig, TrainError};

#[test]
fn a_config_without_a_loss_kind_loads_as_the_triplet_loss() {
    let config = RunConfig::load(&fixture("config-before-loss.toml")).unwrap();
    let loss = config.train.loss;
    assert_eq!(loss.kind, LossKind::Triplet);
    assert_eq!((loss.margin, loss.mining), (8.0, Mining::All));
    assert_eq!(loss.quantization_weight, 0.1);
    assert_eq!(
        (loss.scale, loss.cos_margin),
        (ORTHOHASH_SCALE, ORTHOHASH_MARGIN)
    );
    assert_eq!(config.bits(), 16);

    // Saved again, the loss is named explicitly and loads back the same.
    let dir = tempfile::tempdir().unwrap();
    let again = dir.path().join("config.toml");
    config.save(&again).unwrap();
    let text = std::fs::read_to_string(&again).unwrap();
    assert!(text.contains("kind = \"triplet\""), "{text}");
    assert_eq!(RunConfig::load(&again).unwrap(), config);
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn both_older_formats_load_to_the_same_configuration_and_save_as_the_new_one() {
    let before_loss = RunConfig::load(&fixture("config-before-loss.toml")).unwrap();
    let two_backbones = RunConfig::load(&fixture("config-before-single-backbone.toml")).unwrap();
    assert_eq!(before_loss, two_backbones);
    assert_eq!(two_backbones.backbone(), BackboneKind::SmallCnn);
    assert_eq!(
        two_backbones.data.source,
        DatasetSpec::new(DatasetKind::FashionMnist, None)
    );

    let dir = tempfile::tempdir().unwrap();
    let again = dir.path().join("config.toml");
    two_backbones.save(&again).unwrap();
    let text = std::fs::read_to_string(&again).unwrap();
    assert!(!text.contains("backbone = "), "stored twice again:\n{text}");
    assert!(text.contains("[model.backbone.SmallCnn]"), "{text}");
    assert!(text.contains("dataset = \"fashion-mnist\""), "{text}");
    assert_eq!(RunConfig::load(&again).unwrap(), two_backbones);
}

#[test]
fn an_older_file_whose_two_backbones_disagree_is_refused() {
    let text = std::fs::read_to_string(fixture("config-before-single-backbone.toml")).unwrap();
    let text = text.replacen("backbone = \"SmallCnn\"", "backbone = \"ResNet18\"", 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let err = RunConfig::load(&path).unwrap_err();
    assert!(matches!(err, TrainError::Format { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("resnet18") && message.contains("small-cnn"),
        "{message}"
    );
}
