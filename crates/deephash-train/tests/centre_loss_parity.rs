//! Parity of the hash-centre losses (CSQ, OrthoHash) with their PyTorch formulations.
//!
//! Fixture: `tests/fixtures/centre_loss.json`, written by
//! `scripts/make_centre_loss_fixtures.py` with torch 2.9.0 (values and autograd gradients,
//! single- and multi-label batches, Hadamard and random centres, with and without the
//! quantization term).

use burn::tensor::{Device, Tensor, TensorData};
use deephash_train::loss::{CentreKind, HashCentres, HashLoss, LabelSets, LossKind, Mining};
use serde_json::Value;

mod parity;
use parity::{assert_matches_torch, floats, label_sets};

fn fixture() -> Value {
    let text = include_str!("fixtures/centre_loss.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

fn usize_of(case: &Value, key: &str) -> usize {
    case[key].as_u64().unwrap() as usize
}

fn f32_of(case: &Value, key: &str) -> f32 {
    case[key].as_f64().unwrap() as f32
}

/// The fixture's centres (its own torch draw for the random cases).
fn centres(case: &Value) -> HashCentres {
    let (classes, bits) = (usize_of(case, "classes"), usize_of(case, "bits"));
    let hadamard = case["hadamard"].as_bool().unwrap();
    HashCentres {
        bits,
        classes,
        seed: 0,
        kind: if hadamard {
            CentreKind::Hadamard
        } else {
            CentreKind::Random
        },
        values: floats(&case["centres"]),
        tie_break: floats(&case["tie_break"]),
    }
}

fn check_case(case: &Value, kind: LossKind) {
    let device = Device::flex().autodiff();
    let (n, bits) = (usize_of(case, "n"), usize_of(case, "bits"));
    let h = Tensor::<2>::from_data(TensorData::new(floats(&case["h"]), [n, bits]), &device)
        .require_grad();
    let loss = HashLoss {
        kind,
        scale: f32_of(case, "scale"),
        cos_margin: f32_of(case, "cos_margin"),
        ..HashLoss::triplet(0.0, Mining::All, f32_of(case, "quantization_weight"))
    };
    let labels = LabelSets::multi(label_sets(&case["labels"]));
    let value = loss
        .forward_with(h.clone(), &labels, Some(&centres(case)))
        .unwrap();
    let name = case["name"].as_str().unwrap();
    assert_matches_torch(
        &format!("{name} {kind}"),
        &h,
        value,
        &case["expected"][kind.to_string()],
    );
}

#[test]
fn csq_matches_pytorch() {
    for case in fixture()["cases"].as_array().unwrap() {
        check_case(case, LossKind::Csq);
    }
}

#[test]
fn orthohash_matches_pytorch() {
    for case in fixture()["cases"].as_array().unwrap() {
        check_case(case, LossKind::Orthohash);
    }
}

#[test]
fn hadamard_centres_are_scipys_rows() {
    for case in fixture()["cases"].as_array().unwrap() {
        if !case["hadamard"].as_bool().unwrap() {
            continue;
        }
        let (classes, bits) = (usize_of(case, "classes"), usize_of(case, "bits"));
        let ours = HashCentres::generate(classes, bits, 7);
        assert_eq!(ours.kind, CentreKind::Hadamard);
        assert_eq!(ours.values, floats(&case["centres"]), "{}", case["name"]);
    }
}

#[test]
fn centre_losses_refuse_missing_centres_and_unknown_labels() {
    let device = Device::flex();
    let h = Tensor::<2>::zeros([2, 8], &device);
    let labels = LabelSets::single(&[0, 5]);
    let loss = HashLoss {
        kind: LossKind::Csq,
        ..HashLoss::for_bits(8)
    };
    assert!(loss.forward(h.clone(), &labels).is_err());
    let few = HashCentres::generate(3, 8, 0);
    let err = loss
        .forward_with(h.clone(), &labels, Some(&few))
        .unwrap_err();
    assert!(err.to_string().contains("label 5"), "{err}");
    let wrong_bits = HashCentres::generate(6, 16, 0);
    assert!(loss.forward_with(h, &labels, Some(&wrong_bits)).is_err());
}
