//! A convolution with its batch norm folded in, prepared once for inference.
//!
//! In evaluation the batch norm after a convolution is an affine map per output channel, so it
//! can be folded into the convolution: `w' = w · s`, `b' = β − μ · s (+ b · s)` with
//! `s = γ / √(σ² + ε)`. [`FoldedConv::new`] does this once and keeps the result in the form the
//! convolution reads on this device: plain f32 buffers for deephash-kernels on the Flex CPU
//! device (dense convolutions: batch-folded im2col + GEMM; depthwise: the direct kernel), burn
//! tensors for burn's `conv2d` otherwise (other devices, dilation, grouped convolutions that
//! are not depthwise, `DEEPHASH_CONV_KERNEL=0`).
//!
//! A `FoldedConv` is a snapshot of the layers it was built from: it never sees later changes
//! of their parameters and carries no gradient. The backbones' inference forms
//! ([`crate::inference`]) hold one per convolution; [`crate::fused::conv_bn`] builds one per
//! call when it runs a module in evaluation directly.

use std::sync::Arc;

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, PaddingConfig2d};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{DType, Device, Tensor, TensorData};
use deephash_kernels::{ConvShape, Epilogue, conv2d_forward, depthwise_forward};

use crate::fused::{Activation, KernelSwitch, activate, add, kernel_switch, resolve_padding};
use crate::train_conv::{contiguous, f32s};

/// `act(bn(conv(x)) + residual)` in evaluation, with the batch norm folded into the
/// convolution once.
#[derive(Debug, Clone)]
pub struct FoldedConv {
    weights: Weights,
    in_channels: usize,
    out_channels: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: PaddingConfig2d,
    dilation: [usize; 2],
    groups: usize,
}

/// Where the folded weights live.
// The variants differ in size, but there is one per layer, built once.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Weights {
    /// f32 buffers for deephash-kernels on the Flex CPU device (`Arc`: clones of an inference
    /// network share them).
    Buffers {
        weight: Arc<[f32]>,
        bias: Arc<[f32]>,
        kind: KernelKind,
    },
    /// Tensors for burn's `conv2d`.
    Tensors { weight: Tensor<4>, bias: Tensor<1> },
}

/// Which deephash-kernels convolution runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KernelKind {
    /// groups = 1: im2col + GEMM.
    Dense,
    /// groups = in = out channels: the direct depthwise kernel.
    Depthwise,
}

impl FoldedConv {
    /// Folds `bn`'s running statistics into `conv` (evaluation semantics whatever the layers'
    /// training flag) on `conv`'s device.
    pub fn new(conv: &Conv2d, bn: &BatchNorm) -> Self {
        let (weight, bias) = fold(conv, bn);
        let [out_channels, per_group, kh, kw] = weight.dims();
        let in_channels = per_group * conv.groups;
        let kind = match conv.groups {
            1 => Some(KernelKind::Dense),
            g if g == in_channels && g == out_channels => Some(KernelKind::Depthwise),
            _ => None,
        };
        let on_kernel = weight.device() == Device::flex()
            && weight.dtype() == DType::F32
            && conv.dilation == [1, 1];
        let switched_on = |kind: &KernelKind| match kernel_switch() {
            KernelSwitch::Off => false,
            KernelSwitch::DenseOnly => *kind == KernelKind::Dense,
            KernelSwitch::On => true,
        };
        let weights = match kind.filter(|k| on_kernel && switched_on(k)) {
            Some(kind) => Weights::Buffers {
                weight: f32_buffer(weight),
                bias: f32_buffer(bias),
                kind,
            },
            None => Weights::Tensors { weight, bias },
        };
        Self {
            weights,
            in_channels,
            out_channels,
            kernel: [kh, kw],
            stride: conv.stride,
            padding: conv.padding.clone(),
            dilation: conv.dilation,
            groups: conv.groups,
        }
    }

    /// `act(conv'(x) + b' + residual)` with the folded weight `w'` and bias `b'`.
    pub fn forward(
        &self,
        x: Tensor<4>,
        residual: Option<Tensor<4>>,
        activation: Activation,
    ) -> Tensor<4> {
        let [_, _, h, w] = x.dims();
        let padding = resolve_padding(&self.padding, self.kernel, self.stride, [h, w]);
        match &self.weights {
            Weights::Buffers { weight, bias, kind }
                if x.device() == Device::flex() && x.dtype() == DType::F32 =>
            {
                let call = KernelCall {
                    weight,
                    bias,
                    kind: *kind,
                    out_channels: self.out_channels,
                    kernel: self.kernel,
                    stride: self.stride,
                    padding,
                };
                call.run(x, residual, activation)
            }
            Weights::Buffers { weight, bias, .. } => {
                let device = x.device();
                let shape = [self.out_channels, self.in_channels / self.groups];
                let weight = Tensor::<4>::from_data(
                    TensorData::new(
                        weight.to_vec(),
                        [shape[0], shape[1], self.kernel[0], self.kernel[1]],
                    ),
                    &device,
                );
                let bias =
                    Tensor::<1>::from_data(TensorData::new(bias.to_vec(), [shape[0]]), &device);
                self.burn_conv(x, weight, bias, residual, activation, padding)
            }
            Weights::Tensors { weight, bias } => self.burn_conv(
                x,
                weight.clone(),
                bias.clone(),
                residual,
                activation,
                padding,
            ),
        }
    }

    fn burn_conv(
        &self,
        x: Tensor<4>,
        weight: Tensor<4>,
        bias: Tensor<1>,
        residual: Option<Tensor<4>>,
        activation: Activation,
        padding: [(usize, usize); 2],
    ) -> Tensor<4> {
        let options =
            ConvOptions::new_with_padding(self.stride, padding, self.dilation, self.groups);
        activate(
            add(conv2d(x, weight, Some(bias), options), residual),
            activation,
        )
    }
}

/// The convolution weight and bias with the batch norm's running statistics folded in.
pub fn fold(conv: &Conv2d, bn: &BatchNorm) -> (Tensor<4>, Tensor<1>) {
    let device = conv.weight.device();
    let mean = bn.running_mean.value().to_device(&device);
    let var = bn.running_var.value().to_device(&device);
    let scale = bn.gamma.val().div(var.add_scalar(bn.epsilon).sqrt());
    let [out, ..] = conv.weight.dims();
    let weight = conv.weight.val().mul(scale.clone().reshape([out, 1, 1, 1]));
    let shift = match &conv.bias {
        Some(b) => b.val().sub(mean),
        None => mean.neg(),
    };
    (weight, bn.beta.val().add(shift.mul(scale)))
}

/// The values of an f32 tensor.
fn f32_buffer<const D: usize>(tensor: Tensor<D>) -> Arc<[f32]> {
    tensor
        .into_data()
        .try_into_vec::<f32>()
        .expect("f32 checked before")
        .into()
}

/// One run of a deephash-kernels convolution on the f32 buffers of the tensors.
struct KernelCall<'a> {
    weight: &'a [f32],
    bias: &'a [f32],
    kind: KernelKind,
    out_channels: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [(usize, usize); 2],
}

impl KernelCall<'_> {
    /// Reads the input and residual in place (their buffers may be shared with other tensors,
    /// e.g. a block's input kept for its shortcut: `Tensor::into_data` would copy them).
    fn run(&self, x: Tensor<4>, residual: Option<Tensor<4>>, activation: Activation) -> Tensor<4> {
        let [n, c, h, w] = x.dims();
        let shape = ConvShape::new(
            n,
            c,
            [h, w],
            self.out_channels,
            self.kernel,
            self.stride,
            self.padding,
        )
        .expect("the layer accepts this input");
        let flex = |t: Tensor<4>| {
            contiguous(
                &t.try_into_primitive::<Flex>()
                    .expect("checked: an f32 tensor on the Flex device"),
            )
        };
        let input = flex(x);
        let residual = residual.map(flex);
        let epilogue = Epilogue {
            bias: Some(self.bias),
            residual: residual.as_ref().map(f32s),
            activation,
        };
        let [ho, wo] = shape.out_hw;
        let mut output = vec![0.0f32; shape.output_len()];
        let run = match self.kind {
            KernelKind::Dense => conv2d_forward,
            KernelKind::Depthwise => depthwise_forward,
        };
        run(f32s(&input), self.weight, &shape, &epilogue, &mut output)
            .expect("buffer lengths follow the tensor shapes");
        Tensor::from_primitive::<Flex>(FlexTensor::from_data(TensorData::new(
            output,
            [n, self.out_channels, ho, wo],
        )))
    }
}
