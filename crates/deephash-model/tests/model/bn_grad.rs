//! Batch norm in training mode fused with the residual add and ReLU (`train_bn::train_bn_act`,
//! one custom autodiff operation on the Flex autodiff device) against PyTorch in float64:
//! output, gradients of `sum(y * g)` with respect to input, γ, β and residual, and the running
//! statistics after the step, within 1e-4 relative (`bn-grad.*` from
//! `scripts/make_conv_grad_fixtures.py`). burn's layers (`layers::batch_norm_forward`, add,
//! ReLU) are held to the same fixture, so both paths agree with PyTorch and with each other.

use std::collections::BTreeMap;

use deephash_model::burn::module::Param;
use deephash_model::burn::nn::BatchNorm;
use deephash_model::burn::tensor::activation::relu;
use deephash_model::burn::tensor::{Device, Tensor};
use deephash_model::fused::Activation;
use deephash_model::layers::{batch_norm, batch_norm_forward};
use deephash_model::train_bn::train_bn_act;
use serde_json::Value;

use crate::common::{fixtures, read_safetensors, relative_error, values};

/// burn's layers one by one: the path the fused operation replaces.
fn composite(bn: &BatchNorm, x: Tensor<4>, r: Option<Tensor<4>>, act: Activation) -> Tensor<4> {
    let y = batch_norm_forward(bn, x);
    let y = match r {
        Some(r) => y + r,
        None => y,
    };
    match act {
        Activation::Relu => relu(y),
        _ => y,
    }
}

type Forward = fn(&BatchNorm, Tensor<4>, Option<Tensor<4>>, Activation) -> Tensor<4>;

/// Every case through `forward` on `device` (an autodiff device): `train_bn_act` runs the
/// fused operation on Flex and falls back to burn's layers elsewhere.
pub(crate) fn check_all(forward: Forward, path: &str, device: &Device) {
    let device = device.clone();
    let dir = fixtures();
    let tensors = read_safetensors(&dir.join("bn-grad.safetensors"));
    let text = std::fs::read_to_string(dir.join("bn-grad.json")).unwrap();
    let cases: BTreeMap<String, Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(cases.len(), 3, "the fixture's cases");
    for (name, spec) in &cases {
        let get = |key: &str| &tensors[&format!("{name}.{key}")];
        let channels = get("gamma").shape[0];
        let mut bn = batch_norm(channels, 1e-5, 0.1, &device);
        bn.gamma = Param::from_tensor(get("gamma").tensor::<1>(&device));
        bn.beta = Param::from_tensor(get("beta").tensor::<1>(&device));
        let x = get("x").tensor::<4>(&device).require_grad();
        let r = spec["residual"]
            .as_bool()
            .unwrap()
            .then(|| get("r").tensor::<4>(&device).require_grad());
        let act = if spec["relu"].as_bool().unwrap() {
            Activation::Relu
        } else {
            Activation::Identity
        };
        let y = forward(&bn, x.clone(), r.clone(), act);
        let mut errors = vec![("y", relative_error("y", get("y"), values(y.clone())))];
        let grads = (y * get("g").tensor::<4>(&device)).sum().backward();
        let grad4 = |t: &Tensor<4>| values(t.grad(&grads).expect("a gradient"));
        let grad1 = |t: Tensor<1>| values(t.grad(&grads).expect("a gradient"));
        errors.push(("dx", relative_error("dx", get("dx"), grad4(&x))));
        errors.push((
            "dgamma",
            relative_error("dgamma", get("dgamma"), grad1(bn.gamma.val())),
        ));
        errors.push((
            "dbeta",
            relative_error("dbeta", get("dbeta"), grad1(bn.beta.val())),
        ));
        if let Some(r) = &r {
            errors.push(("dr", relative_error("dr", get("dr"), grad4(r))));
        }
        let mean = values(bn.running_mean.value());
        let var = values(bn.running_var.value());
        errors.push((
            "running_mean",
            relative_error("mean", get("running_mean"), mean),
        ));
        errors.push((
            "running_var",
            relative_error("var", get("running_var"), var),
        ));
        for (what, error) in errors {
            assert!(
                error <= 1e-4,
                "{path} {name} {what}: relative error {error:e}"
            );
        }
    }
}

#[test]
fn fused_training_batch_norm_matches_pytorch() {
    check_all(train_bn_act, "fused", &Device::flex().autodiff());
}

#[test]
fn burns_training_batch_norm_matches_the_same_fixture() {
    check_all(composite, "burn", &Device::flex().autodiff());
}
