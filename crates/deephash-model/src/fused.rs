//! Convolution, batch norm, residual add and activation as one step.
//!
//! In training (autodiff device and a batch norm in training mode) the layers run one by one,
//! so that gradients and the running statistics are PyTorch's: the convolution through
//! [`crate::train_conv`] (deephash-kernels forward and hand-written backward on the Flex CPU
//! device), then batch norm, residual add and activation through [`crate::train_bn`] (one
//! fused operation on the same device, burn's layers elsewhere).
//! Otherwise the batch norm is folded into the convolution (`w · s`, `β − μ · s + b · s` with
//! `s = γ / √(σ² + ε)`, [`crate::folded::FoldedConv`]), which removes its passes over the
//! activation; on the Flex CPU device a dense convolution (groups = 1) then runs in
//! deephash-kernels' batch-folded im2col + GEMM, a depthwise one (groups = channels) in its
//! direct depthwise kernel, with bias, residual and activation applied as the output is
//! written. Dilated convolutions, other devices and autodiff devices in evaluation use burn's
//! `conv2d`. Here the fold is redone on every call; the inference forms of the backbones
//! ([`crate::inference`]) fold once per model load.
//!
//! `DEEPHASH_CONV_KERNEL=0` in the environment turns the kernels off (burn's `conv2d` with the
//! folded weights everywhere, burn's `conv2d` and its generic backward in training), so that a
//! benchmark can compare both in one binary; `DEEPHASH_CONV_KERNEL=dense` turns off only the
//! depthwise kernel.

use std::sync::OnceLock;

use burn::nn::BatchNorm;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;
use burn::tensor::activation::{relu, relu6};

pub use deephash_kernels::Activation;

use crate::folded::FoldedConv;

use crate::train_bn::train_bn_act;
use crate::train_conv::train_conv;

/// `act(bn(conv(x)) + residual)`, as PyTorch computes it (see the module documentation for
/// which path runs).
pub fn conv_bn(
    conv: &Conv2d,
    bn: &BatchNorm,
    x: Tensor<4>,
    residual: Option<Tensor<4>>,
    activation: Activation,
) -> Tensor<4> {
    let device = x.device();
    if device.is_autodiff() && bn.training.is_enabled() {
        return train_bn_act(bn, train_conv(conv, x), residual, activation);
    }
    // Evaluation of the module itself: the fold is redone on every call. Inference forms
    // (`crate::inference`) keep it from one call to the next.
    FoldedConv::new(conv, bn).forward(x, residual, activation)
}

/// False when `DEEPHASH_CONV_KERNEL=0` (read once).
pub(crate) fn kernel_enabled() -> bool {
    kernel_switch() != KernelSwitch::Off
}

/// Which deephash-kernels convolutions run, from `DEEPHASH_CONV_KERNEL` (read once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KernelSwitch {
    /// `0`: none (burn's `conv2d` everywhere).
    Off,
    /// `dense`: not the depthwise kernel (depthwise convolutions on burn's `conv2d`), for A/B.
    DenseOnly,
    /// Unset or anything else: all.
    On,
}

/// The [`KernelSwitch`] of this process.
pub(crate) fn kernel_switch() -> KernelSwitch {
    static SWITCH: OnceLock<KernelSwitch> = OnceLock::new();
    *SWITCH.get_or_init(|| match std::env::var("DEEPHASH_CONV_KERNEL").as_deref() {
        Ok("0") => KernelSwitch::Off,
        Ok("dense") => KernelSwitch::DenseOnly,
        _ => KernelSwitch::On,
    })
}

/// `[(top, bottom), (left, right)]` of `conv` on this input (burn resolves `Same` per input).
pub(crate) fn padding_pairs(conv: &Conv2d, x: &Tensor<4>) -> [(usize, usize); 2] {
    let [_, _, h, w] = x.dims();
    resolve_padding(&conv.padding, conv.kernel_size, conv.stride, [h, w])
}

/// `[(top, bottom), (left, right)]` of a padding on an input of `[h, w]` (TensorFlow's `Same`:
/// the output is `⌈size / stride⌉`, the odd pixel of padding after).
pub(crate) fn resolve_padding(
    padding: &PaddingConfig2d,
    kernel: [usize; 2],
    stride: [usize; 2],
    [h, w]: [usize; 2],
) -> [(usize, usize); 2] {
    let same = |size: usize, k: usize, s: usize| {
        let total = ((size.div_ceil(s).max(1) - 1) * s + k).saturating_sub(size);
        (total / 2, total - total / 2)
    };
    match padding {
        PaddingConfig2d::Valid => [(0, 0), (0, 0)],
        PaddingConfig2d::Same => [same(h, kernel[0], stride[0]), same(w, kernel[1], stride[1])],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(*top, *bottom), (*left, *right)],
    }
}

pub(crate) fn add(y: Tensor<4>, residual: Option<Tensor<4>>) -> Tensor<4> {
    match residual {
        Some(r) => y + r,
        None => y,
    }
}

pub(crate) fn activate(y: Tensor<4>, activation: Activation) -> Tensor<4> {
    match activation {
        Activation::Identity => y,
        Activation::Relu => relu(y),
        Activation::Relu6 => relu6(y),
    }
}
