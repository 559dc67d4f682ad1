//! The inference form (`Backbone::inference`, `HashNet::inference`: batch norms folded once)
//! against the module run in evaluation (folded again on every call), on the parity fixtures'
//! trained weights and inputs: within 1e-5 of the largest feature, batch after batch.

use deephash_model::burn::tensor::{Distribution, Tensor};
use deephash_model::load_backbone_weights;
use deephash_model::{BackboneKind, HashNet, HashNetConfig, HeadKind, cpu_device};

use crate::common::{config, fixtures, manifest, read_safetensors, values};

/// Largest difference between `a` and `b` relative to `a`'s largest magnitude (at least 1).
fn relative_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = a.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / scale)
        .fold(0.0, f32::max)
}

#[test]
fn every_backbone_in_inference_form_equals_the_module_in_evaluation() {
    let dir = fixtures();
    let manifest = manifest(&dir);
    let device = cpu_device();
    for name in [
        "resnet18",
        "resnet34",
        "resnet50",
        "efficientnet-lite0",
        "small-cnn",
    ] {
        let spec = &manifest[name];
        let weights = dir.join(spec["weights"].as_str().unwrap());
        let backbone = load_backbone_weights(config(spec).init(&device), &weights).unwrap();
        let expected = read_safetensors(&dir.join(format!("{name}.expected.safetensors")));
        let input = expected["input"].tensor::<4>(&device);
        let folded = backbone.inference();
        // Twice through the same inference form: the folded weights are reused, not consumed.
        for round in 0..2 {
            let (_, module) = values(backbone.features(input.clone()));
            let (_, inference) = values(folded.features(input.clone()));
            let diff = relative_diff(&module, &inference);
            println!("{name} round {round}: inference form vs module {diff:e}");
            assert!(diff <= 1e-5, "{name} round {round}: {diff:e}");
        }
    }
}

#[test]
fn a_hash_net_in_inference_form_gives_the_codes_of_the_module() {
    let device = cpu_device();
    for (kind, side) in [
        (BackboneKind::SmallCnn, 28),
        (BackboneKind::EfficientNetLite0, 64),
    ] {
        let net = HashNetConfig::new(kind, HeadKind::Linear, 16)
            .init(&device)
            .unwrap();
        let inference = net.inference();
        let images =
            Tensor::<4>::random([3, 3, side, side], Distribution::Normal(0.0, 1.0), &device);
        let (shape, codes) = values(inference.forward(images.clone()));
        assert_eq!(shape, vec![3, 16]);
        let (_, expected) = values(net.forward(images.clone()));
        let diff = relative_diff(&expected, &codes);
        assert!(diff <= 1e-5, "{kind}: {diff:e}");
        // It is a snapshot: another network's parameters give other codes.
        let other: HashNet = HashNetConfig::new(kind, HeadKind::Linear, 16)
            .init(&device)
            .unwrap();
        assert_ne!(values(other.inference().forward(images)).1, codes);
    }
}
