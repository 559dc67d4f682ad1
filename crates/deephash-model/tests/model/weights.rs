//! Weight loading: both file formats, the classifier ignored for features, and one error that
//! lists every missing, unexpected and mis-shaped key.

use deephash_model::backbone::ResNetConfig;
use deephash_model::{
    BackboneConfig, BackboneKind, ModelError, backbone_from_weights, cpu_device,
    load_backbone_weights,
};

use crate::common::fixtures;

fn narrow(layers: [usize; 4], bottleneck: bool, width: usize) -> BackboneConfig {
    BackboneConfig::ResNet(ResNetConfig {
        bottleneck,
        layers,
        width,
        num_classes: None,
    })
}

fn mismatch_lines(err: ModelError) -> Vec<String> {
    match err {
        ModelError::WeightsMismatch { report, .. } => report.lines().map(str::to_string).collect(),
        other => panic!("expected a mismatch, got {other}"),
    }
}

#[test]
fn feature_extractor_ignores_the_classifier_in_pth_and_safetensors() {
    let device = cpu_device();
    for file in ["resnet18.pth", "resnet34.safetensors"] {
        let layers = if file.starts_with("resnet18") {
            [2, 2, 2, 2]
        } else {
            [3, 4, 6, 3]
        };
        let backbone = narrow(layers, false, 4).init(&device);
        load_backbone_weights(backbone, &fixtures().join(file)).unwrap();
    }
}

#[test]
fn missing_keys_are_all_listed() {
    // ResNet-34 layout, ResNet-18 file: blocks 2.. of each stage are missing.
    let backbone = narrow([3, 4, 6, 3], false, 4).init(&cpu_device());
    let err = load_backbone_weights(backbone, &fixtures().join("resnet18.pth")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("resnet18.pth"), "{text}");
    let lines = mismatch_lines(err);
    // 1 + 2 + 4 + 1 missing basic blocks, 10 tensors each (2 convs, 2 batch norms of 4).
    assert_eq!(
        lines.iter().filter(|l| l.contains("missing key")).count(),
        8 * 10,
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("missing key layer3.5.bn2.running_var"))
    );
}

#[test]
fn shape_mismatches_show_both_shapes() {
    let backbone = narrow([2, 2, 2, 2], false, 8).init(&cpu_device());
    let lines = mismatch_lines(
        load_backbone_weights(backbone, &fixtures().join("resnet18.pth")).unwrap_err(),
    );
    assert!(
        lines.iter().all(|l| l.contains("shape mismatch")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("conv1.weight: model [8, 3, 7, 7], file [4, 3, 7, 7]")),
        "{lines:#?}"
    );
}

#[test]
fn unexpected_keys_are_listed() {
    // A ResNet-18 layout reading the ResNet-34 file: the extra blocks are unexpected.
    let backbone = narrow([2, 2, 2, 2], false, 4).init(&cpu_device());
    let lines = mismatch_lines(
        load_backbone_weights(backbone, &fixtures().join("resnet34.safetensors")).unwrap_err(),
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("unexpected key"))
            .count(),
        8 * 10,
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("unexpected key layer1.2.conv1.weight (file [4, 4, 3, 3])"))
    );
}

#[test]
fn bad_files_name_the_file() {
    let device = cpu_device();
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pth");
    std::fs::write(&junk, b"not a zip").unwrap();
    let err = backbone_from_weights(BackboneKind::ResNet18, &junk, &device).unwrap_err();
    assert!(
        matches!(err, ModelError::WeightsRead { .. }) && err.to_string().contains("junk.pth"),
        "{err}"
    );
    let other = dir.path().join("w.onnx");
    std::fs::write(&other, b"x").unwrap();
    assert!(matches!(
        backbone_from_weights(BackboneKind::ResNet18, &other, &device),
        Err(ModelError::WeightsFormat(_))
    ));
    let absent = dir.path().join("absent.safetensors");
    assert!(backbone_from_weights(BackboneKind::ResNet18, &absent, &device).is_err());
}

#[test]
fn resnet_width_is_read_from_the_file() {
    let backbone = backbone_from_weights(
        BackboneKind::ResNet18,
        &fixtures().join("resnet18.pth"),
        &cpu_device(),
    )
    .unwrap();
    assert!(!backbone.has_classifier());
}
