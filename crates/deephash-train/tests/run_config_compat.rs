//! Run files written before a field existed still load, with the behaviour they were trained
//! with. Fixture: `tests/fixtures/config-before-loss.toml`, the `config.toml` that
//! `deephash train --dataset fashion-mnist --backbone small-cnn --bits 16 --epochs 1
//! --max-per-class 4 --classes-per-batch 3 --per-class 2` wrote before `--loss` existed.

use deephash_train::RunConfig;
use deephash_train::loss::{LossKind, Mining, ORTHOHASH_MARGIN, ORTHOHASH_SCALE};

#[test]
fn a_config_without_a_loss_kind_loads_as_the_triplet_loss() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config-before-loss.toml");
    let config = RunConfig::load(&path).unwrap();
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
