//! Max pooling (`max_pool::max_pool2d`: deephash-kernels' pool, a custom autodiff operation
//! on the Flex autodiff device, the plain kernel on the Flex device) against PyTorch: output
//! and input gradient of `sum(max_pool2d(x) * g)` for 2 × 2 stride 2 (even and odd sizes),
//! 3 × 3 stride 2 padding 1 (ResNet's stem) and 3 × 3 stride 1 padding 1, on inputs full of
//! ties (`pool-grad.*` from `scripts/make_conv_grad_fixtures.py`, PyTorch in float64). The
//! gradient of a tie must go where PyTorch sends it (the first maximum in scan order), so a
//! wrong tie rule moves whole values and fails by far more than the 1e-6 allowed. burn's
//! `MaxPool2d` is held to the same fixture.

use std::collections::BTreeMap;

use deephash_model::burn::nn::PaddingConfig2d;
use deephash_model::burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use deephash_model::burn::tensor::Device;
use deephash_model::max_pool::{max_pool2d, uses_kernel};
use serde_json::Value;

use crate::common::{fixtures, read_safetensors, relative_error, values};

/// Whether the environment leaves the pool kernel on (`DEEPHASH_CONV_KERNEL=0` and
/// `DEEPHASH_POOL_KERNEL=0` turn it off).
fn kernels_on() -> bool {
    ["DEEPHASH_CONV_KERNEL", "DEEPHASH_POOL_KERNEL"]
        .iter()
        .all(|name| std::env::var(name).as_deref() != Ok("0"))
}

/// Which pool runs the cases.
#[derive(Clone, Copy, PartialEq)]
enum Path {
    /// `max_pool::max_pool2d`.
    Ours,
    /// burn's `MaxPool2d::forward`.
    Burns,
}

/// Every case on `device` through `path`: the largest relative error of y (and of dx when
/// the device is an autodiff one) per case.
fn run_cases(device: &Device, path: Path) -> Vec<(String, f32)> {
    let dir = fixtures();
    let tensors = read_safetensors(&dir.join("pool-grad.safetensors"));
    let text = std::fs::read_to_string(dir.join("pool-grad.json")).unwrap();
    let cases: BTreeMap<String, Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(cases.len(), 4, "the fixture's cases");
    let mut errors = Vec::new();
    for (name, spec) in &cases {
        let get = |key: &str| &tensors[&format!("{name}.{key}")];
        let number = |key: &str| spec[key].as_u64().unwrap() as usize;
        let (k, stride, pad) = (number("kernel"), number("stride"), number("padding"));
        let pool: MaxPool2d = MaxPool2dConfig::new([k, k])
            .with_strides([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
            .init();
        let mut x = get("x").tensor::<4>(device);
        if device.is_autodiff() {
            x = x.require_grad();
        }
        let y = match path {
            Path::Ours => {
                assert_eq!(uses_kernel(&pool, &x), kernels_on(), "{name}: which path");
                max_pool2d(&pool, x.clone())
            }
            Path::Burns => pool.forward(x.clone()),
        };
        errors.push((
            format!("{name} y"),
            relative_error("y", get("y"), values(y.clone())),
        ));
        if device.is_autodiff() {
            let grads = (y * get("g").tensor::<4>(device)).sum().backward();
            let dx = values(x.grad(&grads).expect("a gradient"));
            errors.push((format!("{name} dx"), relative_error("dx", get("dx"), dx)));
        }
    }
    errors
}

fn assert_close(errors: Vec<(String, f32)>, count: usize) {
    assert_eq!(errors.len(), count);
    for (what, error) in errors {
        assert!(error <= 1e-6, "{what}: relative error {error:e}");
    }
}

#[test]
fn training_max_pool_gradients_match_pytorch_with_ties() {
    assert_close(run_cases(&Device::flex().autodiff(), Path::Ours), 8);
}

#[test]
fn inference_max_pool_matches_pytorch() {
    assert_close(run_cases(&Device::flex(), Path::Ours), 4);
}

#[test]
fn burns_max_pool_follows_the_same_tie_rule() {
    assert_close(run_cases(&Device::flex().autodiff(), Path::Burns), 8);
}
