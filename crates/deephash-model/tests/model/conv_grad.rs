//! The training convolution (`train_conv::conv2d_train`: deephash-kernels' forward and
//! hand-written backward on the Flex autodiff device) against PyTorch: output, input, weight
//! and bias gradients of `sum(conv2d(x, w, b) * g)` for 3 × 3, 1 × 1 and 7 × 7 kernels,
//! strides 1 and 2, with and without bias (`conv-grad.*` from
//! `scripts/make_conv_grad_fixtures.py`, PyTorch in float64), within 1e-4 relative. The same
//! cases through burn's `conv2d` (a plain Flex device) pin the reference itself.

use std::collections::BTreeMap;

use deephash_model::burn::tensor::{Device, Tensor};
use deephash_model::train_conv::{conv2d_train, uses_kernel};
use serde_json::Value;

use crate::common::{fixtures, read_safetensors, relative_error, values};

fn track<const D: usize>(t: Tensor<D>, grad: bool) -> Tensor<D> {
    if grad { t.require_grad() } else { t }
}

/// Runs every case on `device`; returns the largest relative error per case and quantity.
/// The kernel operation must run exactly on the Flex autodiff device (with the kernels on),
/// burn's convolution everywhere else.
pub(crate) fn run_cases(device: &Device, with_grads: bool) -> Vec<(String, f32)> {
    let dir = fixtures();
    let tensors = read_safetensors(&dir.join("conv-grad.safetensors"));
    let text = std::fs::read_to_string(dir.join("conv-grad.json")).unwrap();
    let cases: BTreeMap<String, Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(cases.len(), 6, "the fixture's cases");
    let mut errors = Vec::new();
    for (name, spec) in &cases {
        let get = |key: &str| &tensors[&format!("{name}.{key}")];
        let stride = spec["stride"].as_u64().unwrap() as usize;
        let pad = spec["padding"].as_u64().unwrap() as usize;
        let x = track(get("x").tensor::<4>(device), with_grads);
        let w = track(get("w").tensor::<4>(device), with_grads);
        let b = spec["bias"]
            .as_bool()
            .unwrap()
            .then(|| track(get("b").tensor::<1>(device), with_grads));
        assert_eq!(
            uses_kernel(&x, &w, b.as_ref()),
            with_grads
                && device.clone().without_autodiff() == Device::flex()
                && std::env::var("DEEPHASH_CONV_KERNEL").as_deref() != Ok("0"),
            "{name}: which path runs"
        );
        let y = conv2d_train(
            x.clone(),
            w.clone(),
            b.clone(),
            [stride; 2],
            [(pad, pad); 2],
        );
        errors.push((
            format!("{name} y"),
            relative_error("y", get("y"), values(y.clone())),
        ));
        if !with_grads {
            continue;
        }
        let grads = (y * get("g").tensor::<4>(device)).sum().backward();
        let grad = |t: &Tensor<4>| values(t.grad(&grads).expect("a gradient"));
        errors.push((
            format!("{name} dx"),
            relative_error("dx", get("dx"), grad(&x)),
        ));
        errors.push((
            format!("{name} dw"),
            relative_error("dw", get("dw"), grad(&w)),
        ));
        if let Some(b) = &b {
            let db = values(b.grad(&grads).expect("a bias gradient"));
            errors.push((format!("{name} db"), relative_error("db", get("db"), db)));
        }
    }
    errors
}

#[test]
fn training_convolution_gradients_match_pytorch() {
    let errors = run_cases(&Device::flex().autodiff(), true);
    assert_eq!(
        errors.len(),
        6 * 3 + 3,
        "y, dx, dw per case and db for 3 cases"
    );
    for (what, error) in errors {
        assert!(error <= 1e-4, "{what}: relative error {error:e}");
    }
}

#[test]
fn burns_convolution_gives_the_same_outputs_on_the_plain_device() {
    for (what, error) in run_cases(&Device::flex(), false) {
        assert!(error <= 1e-4, "{what}: relative error {error:e}");
    }
}
