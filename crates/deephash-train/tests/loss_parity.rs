//! Parity of the vectorised triplet losses with per-triplet PyTorch formulas.
//!
//! Fixture: `tests/fixtures/loss.json`, written by `scripts/make_loss_fixtures.py` with
//! torch 2.9.0 (values and autograd gradients for all three mining strategies, single-
//! and multi-label batches, with and without the quantization term).

use burn::tensor::{Device, Tensor, TensorData};
use deephash_train::loss::{HashLoss, LabelSets, Mining};
use serde_json::Value;

mod parity;
use parity::{assert_matches_torch, floats, label_sets};

fn fixture() -> Value {
    let text = include_str!("fixtures/loss.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

fn labels(v: &Value) -> LabelSets {
    LabelSets::multi(label_sets(v))
}

fn check_case(case: &Value, mining: Mining) {
    let device = Device::flex().autodiff();
    let n = case["n"].as_u64().unwrap() as usize;
    let bits = case["bits"].as_u64().unwrap() as usize;
    let h = Tensor::<2>::from_data(TensorData::new(floats(&case["h"]), [n, bits]), &device)
        .require_grad();
    let loss = HashLoss::triplet(
        case["margin"].as_f64().unwrap() as f32,
        mining,
        case["quantization_weight"].as_f64().unwrap() as f32,
    );
    let value = loss.forward(h.clone(), &labels(&case["labels"])).unwrap();
    let name = case["name"].as_str().unwrap();
    assert_matches_torch(
        &format!("{name} {mining}"),
        &h,
        value,
        &case["expected"][mining.to_string()],
    );
}

#[test]
fn all_triplets_matches_pytorch() {
    for case in fixture()["cases"].as_array().unwrap() {
        check_case(case, Mining::All);
    }
}

#[test]
fn batch_hard_matches_pytorch() {
    for case in fixture()["cases"].as_array().unwrap() {
        check_case(case, Mining::BatchHard);
    }
}

#[test]
fn semi_hard_matches_pytorch() {
    for case in fixture()["cases"].as_array().unwrap() {
        check_case(case, Mining::SemiHard);
    }
}
