//! The fixtures on a GPU device (features `wgpu` or `cuda`; in CI wgpu on lavapipe, Mesa's
//! software Vulkan driver; `scripts/gpu_check.sh` runs them on CUDA): ResNet-18 and the small
//! CNN against PyTorch in evaluation and training mode, the training convolution's and batch
//! norm's outputs and gradients, all within the CPU backend's tolerances. deephash-kernels'
//! custom operations are Flex-only, so these run burn's own operations: the fallback a GPU
//! takes (checked here too).
//!
//! `DEEPHASH_TEST_GPU` picks the device (a `--device` value; default `wgpu` where the build has
//! it, else `cuda`). Every test is skipped, loudly, when that GPU is absent (wgpu lists no
//! adapter, or CUDA finds no GPU or driver); `DEEPHASH_REQUIRE_GPU=1` (set by `scripts/test.sh`,
//! which installs lavapipe) turns the skip into a failure.

use deephash_model::burn::tensor::{Device, Tensor};
use deephash_model::testing::gpu_or_skip;
use deephash_model::train_bn::train_bn_act;
use deephash_model::train_conv::uses_kernel;
use deephash_model::{DeviceSpec, ModelError, cpu_device};

use crate::bn_grad::check_all;
use crate::common::fixtures;
use crate::conv_grad::run_cases;
use crate::parity::check_network;

#[test]
fn resnet18_matches_torchvision_on_the_gpu() {
    if let Some(device) = gpu_or_skip("resnet18_matches_torchvision_on_the_gpu") {
        check_network(&fixtures(), "resnet18", &device);
    }
}

#[test]
fn small_cnn_matches_its_pytorch_mirror_on_the_gpu() {
    if let Some(device) = gpu_or_skip("small_cnn_matches_its_pytorch_mirror_on_the_gpu") {
        check_network(&fixtures(), "small-cnn", &device);
    }
}

/// The training convolution on a GPU runs burn's `conv2d` and its backward (`run_cases`
/// checks which path runs), with outputs and gradients as close to PyTorch's as on the CPU.
#[test]
fn training_convolution_gradients_match_pytorch_on_the_gpu() {
    let Some(device) = gpu_or_skip("training_convolution_gradients_match_pytorch_on_the_gpu")
    else {
        return;
    };
    let errors = run_cases(&device.autodiff(), true);
    assert_eq!(errors.len(), 6 * 3 + 3, "y, dx, dw per case and db for 3");
    for (what, error) in errors {
        assert!(error <= 1e-4, "{what}: relative error {error:e}");
    }
}

/// `train_bn_act` on a GPU falls back to burn's layers, with the same outputs, gradients and
/// running statistics as PyTorch's.
#[test]
fn training_batch_norm_matches_pytorch_on_the_gpu() {
    if let Some(device) = gpu_or_skip("training_batch_norm_matches_pytorch_on_the_gpu") {
        check_all(train_bn_act, "fallback on the gpu", &device.autodiff());
    }
}

/// The custom operations claim Flex autodiff tensors only (with `DEEPHASH_TEST_GPU=cpu`, the
/// dry run of `scripts/gpu_check.sh`, the device under test is Flex and they do).
#[test]
fn the_flex_kernels_do_not_claim_gpu_tensors() {
    let Some(device) = gpu_or_skip("the_flex_kernels_do_not_claim_gpu_tensors") else {
        return;
    };
    let claims = |device: &Device| {
        let x = Tensor::<4>::ones([1, 2, 4, 4], device);
        let w = Tensor::<4>::ones([3, 2, 3, 3], device);
        uses_kernel(&x, &w, None)
    };
    let kernels_on = std::env::var("DEEPHASH_CONV_KERNEL").as_deref() != Ok("0");
    assert_eq!(
        claims(&device.clone().autodiff()),
        kernels_on && device == cpu_device(),
        "on {device:?}"
    );
    assert_eq!(
        claims(&cpu_device().autodiff()),
        kernels_on,
        "Flex autodiff"
    );
}

/// A wgpu adapter index past wgpu's list is an error naming the device, not a panic.
#[cfg(feature = "wgpu")]
#[test]
fn a_wgpu_adapter_index_past_the_list_is_a_clear_error() {
    let err = DeviceSpec::Wgpu(Some(1000)).device().unwrap_err();
    assert!(matches!(err, ModelError::WgpuUnavailable { .. }), "{err}");
    assert!(err.to_string().contains("wgpu:1000"), "{err}");
}
