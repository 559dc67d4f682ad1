//! Convolution, batch norm, residual add and activation as one step.
//!
//! In training (autodiff device and a batch norm in training mode) the layers run one by one,
//! so that gradients and the running statistics are PyTorch's: the convolution through
//! [`crate::train_conv`] (deephash-kernels forward and hand-written backward on the Flex CPU
//! device), then batch norm, residual add and activation through [`crate::train_bn`] (one
//! fused operation on the same device, burn's layers elsewhere).
//! Otherwise the batch norm is folded into the convolution (`w · s`, `β − μ · s + b · s` with
//! `s = γ / √(σ² + ε)`), which removes its passes over the activation; on the Flex CPU device a
//! dense convolution (groups = 1) then runs in deephash-kernels' batch-folded im2col + GEMM with
//! bias, residual and activation applied as the output is written. Depthwise and dilated
//! convolutions, other devices and autodiff devices in evaluation use burn's `conv2d`.
//!
//! `DEEPHASH_CONV_KERNEL=0` in the environment turns the kernel off (burn's `conv2d` with the
//! folded weights everywhere, burn's `conv2d` and its generic backward in training), so that a
//! benchmark can compare both in one binary.

use std::sync::OnceLock;

use burn::nn::BatchNorm;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::activation::{relu, relu6};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{DType, Device, Tensor, TensorData};
use deephash_kernels::{ConvShape, Epilogue, conv2d_forward};

pub use deephash_kernels::Activation;

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
    let padding = padding_pairs(conv, &x);
    let (weight, bias) = fold(conv, bn, &device);
    if uses_kernel(conv, &x, &weight, &device) {
        return kernel_conv(x, weight, bias, residual, activation, conv.stride, padding);
    }
    let options = ConvOptions::new_with_padding(conv.stride, padding, conv.dilation, conv.groups);
    activate(
        add(conv2d(x, weight, Some(bias), options), residual),
        activation,
    )
}

/// The convolution weight and bias with the batch norm's running statistics folded in.
pub fn fold(conv: &Conv2d, bn: &BatchNorm, device: &Device) -> (Tensor<4>, Tensor<1>) {
    let mean = bn.running_mean.value().to_device(device);
    let var = bn.running_var.value().to_device(device);
    let scale = bn.gamma.val().div(var.add_scalar(bn.epsilon).sqrt());
    let [out, ..] = conv.weight.dims();
    let weight = conv.weight.val().mul(scale.clone().reshape([out, 1, 1, 1]));
    let shift = match &conv.bias {
        Some(b) => b.val().sub(mean),
        None => mean.neg(),
    };
    (weight, bn.beta.val().add(shift.mul(scale)))
}

/// Whether deephash-kernels' convolution applies: Flex CPU without autodiff, f32, a dense
/// undilated convolution.
fn uses_kernel(conv: &Conv2d, x: &Tensor<4>, weight: &Tensor<4>, device: &Device) -> bool {
    kernel_enabled()
        && *device == Device::flex()
        && x.dtype() == DType::F32
        && weight.dtype() == DType::F32
        && conv.groups == 1
        && conv.dilation == [1, 1]
}

/// False when `DEEPHASH_CONV_KERNEL=0` (read once).
pub(crate) fn kernel_enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("DEEPHASH_CONV_KERNEL").map_or(true, |v| v != "0"))
}

/// Runs the convolution on the f32 buffers of the tensors.
fn kernel_conv(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Tensor<1>,
    residual: Option<Tensor<4>>,
    activation: Activation,
    stride: [usize; 2],
    padding: [(usize, usize); 2],
) -> Tensor<4> {
    let device = x.device();
    let [n, c, h, w] = x.dims();
    let [o, _, kh, kw] = weight.dims();
    let shape = ConvShape::new(n, c, [h, w], o, [kh, kw], stride, padding)
        .expect("burn accepted the same convolution geometry");
    let (input, weight, bias) = (x.into_data(), weight.into_data(), bias.into_data());
    let residual = residual.map(Tensor::into_data);
    let epilogue = Epilogue {
        bias: Some(f32s(&bias)),
        residual: residual.as_ref().map(f32s),
        activation,
    };
    let [ho, wo] = shape.out_hw;
    let mut output = vec![0.0f32; shape.output_len()];
    conv2d_forward(f32s(&input), f32s(&weight), &shape, &epilogue, &mut output)
        .expect("buffer lengths follow the tensor shapes");
    Tensor::from_data(TensorData::new(output, [n, o, ho, wo]), &device)
}

/// The values of an f32 tensor's data (its dtype was checked by [`uses_kernel`]).
fn f32s(data: &TensorData) -> &[f32] {
    data.as_slice::<f32>().expect("f32 checked by uses_kernel")
}

/// `[(top, bottom), (left, right)]` of `conv` on this input (burn resolves `Same` per input).
pub(crate) fn padding_pairs(conv: &Conv2d, x: &Tensor<4>) -> [(usize, usize); 2] {
    let [_, _, h, w] = x.dims();
    let same = |size: usize, k: usize, s: usize| {
        let total = ((size.div_ceil(s).max(1) - 1) * s + k).saturating_sub(size);
        (total / 2, total - total / 2)
    };
    match conv.padding {
        PaddingConfig2d::Valid => [(0, 0), (0, 0)],
        PaddingConfig2d::Same => [
            same(h, conv.kernel_size[0], conv.stride[0]),
            same(w, conv.kernel_size[1], conv.stride[1]),
        ],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(top, bottom), (left, right)],
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
