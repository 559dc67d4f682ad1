//! The whole network: shapes, head alone on cached features, save and load.

use deephash_model::burn::tensor::{Distribution, Tensor};
use deephash_model::{BackboneKind, HashNet, HashNetConfig, HeadKind, cpu_device};

use crate::common::values;

#[test]
fn forward_shapes_and_range_for_both_heads() {
    let device = cpu_device();
    for head in [HeadKind::Linear, HeadKind::Dae] {
        let config = HashNetConfig::new(BackboneKind::SmallCnn, head, 16);
        let net = config.init(&device).unwrap();
        let images = Tensor::<4>::random([3, 3, 28, 28], Distribution::Normal(0.0, 1.0), &device);
        let features = net.features(images.clone());
        assert_eq!(features.dims(), [3, config.feature_dim()]);
        let codes = net.forward(images);
        let (shape, v) = values(codes.clone());
        assert_eq!(shape, vec![3, 16]);
        assert!(v.iter().all(|x| *x > -1.0 && *x < 1.0), "{head}: {v:?}");
        // The head alone on the features gives the same codes.
        let (_, again) = values(net.head.forward(features));
        assert_eq!(v, again);
    }
}

#[test]
fn save_then_load_gives_the_same_outputs() {
    let device = cpu_device();
    let config = HashNetConfig::new(BackboneKind::SmallCnn, HeadKind::Linear, 12);
    let net = config.init(&device).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bpk");
    net.save(&path).unwrap();
    let loaded = HashNet::load(&config, &path, &device).unwrap();
    let images = Tensor::<4>::random([2, 3, 28, 28], Distribution::Normal(0.0, 1.0), &device);
    assert_eq!(
        values(net.forward(images.clone())).1,
        values(loaded.forward(images.clone())).1
    );
    // A fresh network differs (the test can fail).
    let fresh = config.init(&device).unwrap();
    assert_ne!(
        values(net.forward(images.clone())).1,
        values(fresh.forward(images)).1
    );
    let err = HashNet::load(&config, &dir.path().join("absent.bpk"), &device).unwrap_err();
    assert!(err.to_string().contains("absent.bpk"));
}

#[test]
fn the_feature_power_is_applied_by_the_head_and_restored_on_load() {
    let device = cpu_device();
    let mut config = HashNetConfig::new(BackboneKind::SmallCnn, HeadKind::Linear, 12);
    config.feature_power = 0.5;
    let net = config.init(&device).unwrap();
    assert_eq!(net.head.input_power(), 0.5);
    let images = Tensor::<4>::random([2, 3, 28, 28], Distribution::Normal(0.0, 1.0), &device);
    let features = net.features(images.clone());
    // forward = the head's linear part on sign(f) |f|^0.5.
    let rooted = features.clone().sign() * features.clone().abs().sqrt();
    let plain_head = net.head.clone().with_input_power(1.0).unwrap();
    let (_, want) = values(plain_head.forward(rooted));
    let (_, got) = values(net.forward(images.clone()));
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
    }
    // The power is not in the weights file: the configuration restores it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bpk");
    net.save(&path).unwrap();
    let loaded = HashNet::load(&config, &path, &device).unwrap();
    assert_eq!(values(loaded.forward(images.clone())).1, got);
    let without = HashNetConfig {
        feature_power: 1.0,
        ..config.clone()
    };
    let loaded_plain = HashNet::load(&without, &path, &device).unwrap();
    assert_ne!(values(loaded_plain.forward(images)).1, got);
    config.feature_power = -1.0;
    assert!(config.init(&device).is_err());
}

#[test]
fn run_files_without_a_feature_power_read_as_none() {
    let config = HashNetConfig::new(BackboneKind::SmallCnn, HeadKind::Linear, 16);
    let text = serde_json::to_string(&config).unwrap();
    assert!(!text.contains("feature_power"), "{text}");
    let back: HashNetConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(back.feature_power, 1.0);
    let rooted = HashNetConfig {
        feature_power: 0.5,
        ..config
    };
    let text = serde_json::to_string(&rooted).unwrap();
    assert_eq!(
        serde_json::from_str::<HashNetConfig>(&text).unwrap(),
        rooted
    );
}
