//! Convolution for training on the Flex CPU device: a custom autodiff operation (burn's
//! backend extension: the autodiff primitives of `Autodiff<Flex>` and a hand-written
//! [`Backward`]) whose forward is deephash-kernels' batch-folded im2col + GEMM and whose
//! backward is deephash-kernels' gradients: the weight gradient as one GEMM over `N · Ho · Wo`
//! (`dY × im2col(X)ᵀ`), the input gradient as `Wᵀ × dY` scattered back by col2im, the bias
//! gradient as a reduction.
//!
//! It replaces burn's generic convolution backward (a transposed convolution for the input
//! gradient, a convolution over `swap_dims` copies for the weight gradient). It applies to a
//! dense (groups = 1), undilated f32 convolution on `Device::flex().autodiff()` (no gradient
//! checkpointing); anything else, and `DEEPHASH_CONV_KERNEL=0`, runs burn's `conv2d`.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, Flex, GradientCheckpointingStrategy};
use burn::nn::conv::Conv2d;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{DType, Device, Tensor, TensorData};
use deephash_kernels::{
    ConvShape, Epilogue, conv2d_backward_bias, conv2d_backward_input, conv2d_backward_weight,
    conv2d_forward,
};

use crate::fused::{kernel_enabled, padding_pairs};

/// The autodiff backend the operation is written for.
type Ad = Autodiff<Flex>;

/// `conv.forward(x)` for training: the kernel operation where it applies, burn's otherwise.
pub fn train_conv(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    if conv.groups != 1 || conv.dilation != [1, 1] {
        return conv.forward(x);
    }
    let padding = padding_pairs(conv, &x);
    let bias = conv.bias.as_ref().map(|b| b.val());
    conv2d_train(x, conv.weight.val(), bias, conv.stride, padding)
}

/// `conv2d(x, weight) + bias` (groups = 1, no dilation) with padding
/// `[(top, bottom), (left, right)]`, differentiable with respect to all three: through
/// deephash-kernels on the Flex autodiff device, through burn's `conv2d` elsewhere.
pub fn conv2d_train(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: [usize; 2],
    padding: [(usize, usize); 2],
) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    let [o, _, kh, kw] = weight.dims();
    let shape = ConvShape::new(n, c, [h, w], o, [kh, kw], stride, padding);
    match shape {
        Ok(shape) if uses_kernel(&x, &weight, bias.as_ref()) => kernel_op(x, weight, bias, shape),
        _ => {
            let options = ConvOptions::new_with_padding(stride, padding, [1, 1], 1);
            conv2d(x, weight, bias, options)
        }
    }
}

/// Whether [`conv2d_train`] runs the kernel operation on these tensors: all f32 on the Flex
/// autodiff device without gradient checkpointing, and the kernel not switched off.
pub fn uses_kernel(x: &Tensor<4>, weight: &Tensor<4>, bias: Option<&Tensor<1>>) -> bool {
    on_flex_autodiff(x) && on_flex_autodiff(weight) && bias.is_none_or(on_flex_autodiff)
}

/// An f32 tensor on `Device::flex().autodiff()` without gradient checkpointing, with the
/// kernels switched on: what the custom autodiff operations take.
pub(crate) fn on_flex_autodiff<const D: usize>(t: &Tensor<D>) -> bool {
    let device = t.device();
    kernel_enabled()
        && t.dtype() == DType::F32
        && device.gradient_checkpointing_strategy() == Some(GradientCheckpointingStrategy::Disabled)
        && device.without_autodiff() == Device::flex()
}

/// What the backward step keeps: the forward's input and weight (shared buffers, no copy).
#[derive(Debug, Clone)]
struct State {
    input: FlexTensor,
    weight: FlexTensor,
    shape: ConvShape,
}

/// The operation without bias: parents (input, weight).
#[derive(Debug)]
struct ConvBackward;

/// The operation with bias: parents (input, weight, bias).
#[derive(Debug)]
struct ConvBiasBackward;

fn kernel_op(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    shape: ConvShape,
) -> Tensor<4> {
    let primitive = |t: Result<_, _>| t.expect("checked by uses_kernel: Flex autodiff f32");
    let x = primitive(x.try_into_primitive::<Ad>());
    let w = primitive(weight.try_into_primitive::<Ad>());
    let b = bias.map(|b| primitive(b.try_into_primitive::<Ad>()));
    let input = contiguous(x.primitive());
    let weight = contiguous(w.primitive());
    let bias_values = b.as_ref().map(|b| contiguous(b.primitive()));
    let epilogue = Epilogue {
        bias: bias_values.as_ref().map(f32s),
        ..Epilogue::default()
    };
    let mut output = vec![0.0f32; shape.output_len()];
    conv2d_forward(f32s(&input), f32s(&weight), &shape, &epilogue, &mut output)
        .expect("buffer lengths follow the tensor shapes");
    let [ho, wo] = shape.out_hw;
    let dims = [shape.batch, shape.out_channels, ho, wo];
    let output = FlexTensor::from_data(TensorData::new(output, dims));
    let state = State {
        input,
        weight,
        shape,
    };
    let result = match b {
        None => match ConvBackward
            .prepare::<NoCheckpointing>([x.node(), w.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(state, output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        },
        Some(b) => match ConvBiasBackward
            .prepare::<NoCheckpointing>([x.node(), w.node(), b.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(state, output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        },
    };
    Tensor::from_primitive::<Ad>(result)
}

impl Backward<Flex, 2> for ConvBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w] = ops.parents;
        let grad = contiguous(&grads.consume::<Flex>(&ops.node));
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, grad_input(&ops.state, &grad));
        }
        if let Some(node) = node_w {
            grads.register::<Flex>(node.id, grad_weight(&ops.state, &grad));
        }
    }
}

impl Backward<Flex, 3> for ConvBiasBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let grad = contiguous(&grads.consume::<Flex>(&ops.node));
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, grad_input(&ops.state, &grad));
        }
        if let Some(node) = node_w {
            grads.register::<Flex>(node.id, grad_weight(&ops.state, &grad));
        }
        if let Some(node) = node_b {
            grads.register::<Flex>(node.id, grad_bias(&ops.state, &grad));
        }
    }
}

fn grad_input(state: &State, grad: &FlexTensor) -> FlexTensor {
    let s = &state.shape;
    let mut out = vec![0.0f32; s.input_len()];
    conv2d_backward_input(f32s(&state.weight), f32s(grad), s, &mut out)
        .expect("buffer lengths follow the tensor shapes");
    let dims = [s.batch, s.in_channels, s.in_hw[0], s.in_hw[1]];
    FlexTensor::from_data(TensorData::new(out, dims))
}

fn grad_weight(state: &State, grad: &FlexTensor) -> FlexTensor {
    let s = &state.shape;
    let mut out = vec![0.0f32; s.weight_len()];
    conv2d_backward_weight(f32s(&state.input), f32s(grad), s, &mut out)
        .expect("buffer lengths follow the tensor shapes");
    let dims = [s.out_channels, s.in_channels, s.kernel[0], s.kernel[1]];
    FlexTensor::from_data(TensorData::new(out, dims))
}

fn grad_bias(state: &State, grad: &FlexTensor) -> FlexTensor {
    let s = &state.shape;
    let mut out = vec![0.0f32; s.out_channels];
    conv2d_backward_bias(f32s(grad), s, &mut out).expect("buffer lengths follow the tensor shapes");
    FlexTensor::from_data(TensorData::new(out, [s.out_channels]))
}

/// The tensor itself when its f32 values are one contiguous slice, else a contiguous copy.
pub(crate) fn contiguous(tensor: &FlexTensor) -> FlexTensor {
    match tensor.as_slice::<f32>() {
        Some(_) => tensor.clone(),
        None => tensor.to_contiguous(),
    }
}

/// The f32 values of a contiguous tensor (see [`contiguous`]).
pub(crate) fn f32s(tensor: &FlexTensor) -> &[f32] {
    tensor
        .as_slice::<f32>()
        .expect("f32 and made contiguous before")
}
