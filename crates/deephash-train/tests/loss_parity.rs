//! Parity of the vectorised triplet losses with per-triplet PyTorch formulas.
//!
//! Fixture: `tests/fixtures/loss.json`, written by `scripts/make_loss_fixtures.py` with
//! torch 2.9.0 (values and autograd gradients for all three mining strategies, single-
//! and multi-label batches, with and without the quantization term).

use burn::tensor::{Device, Tensor, TensorData};
use deephash_train::loss::{HashLoss, LabelSets, Mining};
use serde_json::Value;

fn fixture() -> Value {
    let text = include_str!("fixtures/loss.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn labels(v: &Value) -> LabelSets {
    let sets = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s.as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_u64().unwrap() as u32)
                .collect()
        })
        .collect();
    LabelSets::multi(sets)
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
    let grads = value.backward();
    let got = value.into_scalar::<f32>();
    let expected = &case["expected"][mining.to_string()];
    let want = expected["loss"].as_f64().unwrap() as f32;
    let name = case["name"].as_str().unwrap();
    assert!(
        (got - want).abs() <= 1e-5 * want.abs().max(1.0),
        "{name} {mining}: loss {got} vs torch {want}"
    );
    let grad = h
        .grad(&grads)
        .expect("gradient")
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let want_grad = floats(&expected["grad"]);
    let worst = grad
        .iter()
        .zip(&want_grad)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= 1e-5,
        "{name} {mining}: gradient max abs diff {worst}"
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
