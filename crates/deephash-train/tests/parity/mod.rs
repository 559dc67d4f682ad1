//! Helpers shared by the loss parity tests: reading the PyTorch fixtures and comparing a loss
//! value and its gradient with what torch computed.

#![allow(dead_code)]

use burn::tensor::Tensor;
use serde_json::Value;

/// A JSON array of numbers as `f32`.
pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// A JSON array of label arrays as label sets.
pub fn label_sets(v: &Value) -> Vec<Vec<u32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s.as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_u64().unwrap() as u32)
                .collect()
        })
        .collect()
}

/// Asserts that `value` (a loss of `h`) and its gradient with respect to `h` equal torch's
/// (`expected = {"loss": .., "grad": [..]}`): the value to 1e-5 relative, every gradient
/// entry to 1e-5 absolute. `what` names the case in the failure message.
pub fn assert_matches_torch(what: &str, h: &Tensor<2>, value: Tensor<1>, expected: &Value) {
    let grads = value.backward();
    let got = value.into_scalar::<f32>();
    let want = expected["loss"].as_f64().unwrap() as f32;
    assert!(
        (got - want).abs() <= 1e-5 * want.abs().max(1.0),
        "{what}: loss {got} vs torch {want}"
    );
    let grad = h
        .grad(&grads)
        .expect("gradient")
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let want_grad = floats(&expected["grad"]);
    assert_eq!(grad.len(), want_grad.len(), "{what}: gradient length");
    let worst = grad
        .iter()
        .zip(&want_grad)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst <= 1e-5, "{what}: gradient max abs diff {worst}");
}
