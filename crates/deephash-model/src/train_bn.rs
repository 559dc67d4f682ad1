//! Batch norm in training mode on the Flex CPU device, fused with the residual add and the
//! activation: a custom autodiff operation (like [`crate::train_conv`]) whose forward is
//! deephash-kernels' `batch_norm_train_forward` (statistics in one pass) and whose backward is
//! `batch_norm_train_backward` (two passes per channel, the activation's mask and the
//! residual's gradient included; without a residual the mask is recomputed from the input,
//! so the output is not read back). burn's composite batch norm costs about ten tensor passes
//! with transposing copies forward and more backward.
//!
//! The running statistics are updated as [`crate::layers::batch_norm_forward`] does
//! (PyTorch's unbiased variance). Other devices, other dtypes and `DEEPHASH_CONV_KERNEL=0` run
//! burn's batch norm, add and activation.

use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, Flex};
use burn::nn::BatchNorm;
use burn::tensor::{Tensor, TensorData};
use deephash_kernels::{
    Activation, MaskSource, NormParams, NormShape, batch_norm_train_backward,
    batch_norm_train_forward, written_by,
};

use crate::fused::{activate, add};
use crate::layers::{batch_norm_forward, update_running_stats};
use crate::train_conv::{contiguous, f32s, on_flex_autodiff};

type Ad = Autodiff<Flex>;

/// `act(bn(x) + residual)` with `bn` in training mode on an autodiff device: the fused
/// operation where it applies, burn's layers otherwise.
pub fn train_bn_act(
    bn: &BatchNorm,
    x: Tensor<4>,
    residual: Option<Tensor<4>>,
    activation: Activation,
) -> Tensor<4> {
    let (gamma, beta) = (bn.gamma.val(), bn.beta.val());
    let applies = on_flex_autodiff(&x)
        && on_flex_autodiff(&gamma)
        && on_flex_autodiff(&beta)
        && residual.as_ref().is_none_or(on_flex_autodiff);
    if !applies {
        return activate(add(batch_norm_forward(bn, x), residual), activation);
    }
    let [n, c, h, w] = x.dims();
    let shape = NormShape {
        batch: n,
        channels: c,
        pixels: h * w,
    };
    let device = x.device();
    let (y, mean, variance) = fused_op(x, gamma, beta, residual, shape, bn.epsilon, activation);
    let stat = |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v, [c]), &device);
    update_running_stats(bn, stat(mean), stat(variance), shape.samples());
    y
}

/// What the backward step keeps (shared buffers, no copy). The output only with a residual:
/// without one the backward recomputes the activation's mask from the input and γ, β.
#[derive(Debug, Clone)]
struct State {
    input: FlexTensor,
    output: Option<FlexTensor>,
    gamma: FlexTensor,
    beta: FlexTensor,
    mean: Vec<f32>,
    variance: Vec<f32>,
    shape: NormShape,
    epsilon: f64,
    activation: Activation,
}

/// Parents (input, γ, β).
#[derive(Debug)]
struct NormBackward;

/// Parents (input, γ, β, residual).
#[derive(Debug)]
struct NormResidualBackward;

#[allow(clippy::too_many_arguments)]
fn fused_op(
    x: Tensor<4>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    residual: Option<Tensor<4>>,
    shape: NormShape,
    epsilon: f64,
    activation: Activation,
) -> (Tensor<4>, Vec<f32>, Vec<f32>) {
    let primitive = |t: Result<_, _>| t.expect("checked: Flex autodiff f32");
    let x = primitive(x.try_into_primitive::<Ad>());
    let g = primitive(gamma.try_into_primitive::<Ad>());
    let b = primitive(beta.try_into_primitive::<Ad>());
    let r = residual.map(|r| primitive(r.try_into_primitive::<Ad>()));
    let (input, gamma, beta) = (
        contiguous(x.primitive()),
        contiguous(g.primitive()),
        contiguous(b.primitive()),
    );
    let res = r.as_ref().map(|r| contiguous(r.primitive()));
    let params = NormParams {
        gamma: f32s(&gamma),
        beta: f32s(&beta),
        epsilon,
        activation,
    };
    let (mut mean, mut variance) = (vec![0.0f32; shape.channels], vec![0.0f32; shape.channels]);
    // The output is not zero-filled first: the kernel writes every value.
    // SAFETY: batch_norm_train_forward writes all of its output when it returns Ok.
    let output = unsafe {
        written_by(shape.len(), |output| {
            let residual = res.as_ref().map(f32s);
            let (x, mean, var) = (f32s(&input), &mut mean, &mut variance);
            batch_norm_train_forward(x, &shape, &params, residual, output, mean, var)
        })
    }
    .expect("buffer lengths follow the tensor shapes");
    let dims = input.layout().shape().clone();
    let output = FlexTensor::from_data(TensorData::new(output, dims));
    let state = State {
        input,
        output: res.is_some().then(|| output.clone()),
        gamma,
        beta,
        mean: mean.clone(),
        variance: variance.clone(),
        shape,
        epsilon,
        activation,
    };
    let result = match r {
        None => match NormBackward
            .prepare::<NoCheckpointing>([x.node(), g.node(), b.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(state, output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        },
        Some(r) => match NormResidualBackward
            .prepare::<NoCheckpointing>([x.node(), g.node(), b.node(), r.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(state, output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        },
    };
    (Tensor::from_primitive::<Ad>(result), mean, variance)
}

/// The gradients `(dX, dγ, dβ, dR)`; `dR` only when `residual`.
fn gradients(state: &State, grad: &FlexTensor, residual: bool) -> [Option<FlexTensor>; 4] {
    let s = &state.shape;
    let params = NormParams {
        gamma: f32s(&state.gamma),
        beta: f32s(&state.beta),
        epsilon: state.epsilon,
        activation: state.activation,
    };
    // dX and dR are not zero-filled first: the kernel writes every value.
    let mut dx = Vec::with_capacity(s.len());
    let (mut dgamma, mut dbeta) = (vec![0.0f32; s.channels], vec![0.0f32; s.channels]);
    let mut dr = residual.then(|| Vec::with_capacity(s.len()));
    let mask = match &state.output {
        Some(output) => MaskSource::Output(f32s(output)),
        None => MaskSource::Recomputed,
    };
    batch_norm_train_backward(
        f32s(&state.input),
        mask,
        f32s(grad),
        s,
        &params,
        (&state.mean, &state.variance),
        &mut dx.spare_capacity_mut()[..s.len()],
        (&mut dgamma, &mut dbeta),
        dr.as_mut()
            .map(|dr| &mut dr.spare_capacity_mut()[..s.len()]),
    )
    .expect("buffer lengths follow the tensor shapes");
    // SAFETY: batch_norm_train_backward wrote every value of dX and dR (it returned Ok).
    unsafe {
        dx.set_len(s.len());
        if let Some(dr) = &mut dr {
            dr.set_len(s.len());
        }
    }
    let dims = state.input.layout().shape().clone();
    let tensor = |v: Vec<f32>, d| FlexTensor::from_data(TensorData::new(v, d));
    [
        Some(tensor(dx, dims.clone())),
        Some(tensor(dgamma, [s.channels].into())),
        Some(tensor(dbeta, [s.channels].into())),
        dr.map(|v| tensor(v, dims)),
    ]
}

/// Registers each gradient whose parent is tracked.
fn register<P>(
    grads: &mut Gradients,
    parents: &[Option<P>],
    values: [Option<FlexTensor>; 4],
    id: impl Fn(&P) -> NodeId,
) {
    for (parent, value) in parents.iter().zip(values) {
        if let (Some(node), Some(value)) = (parent, value) {
            grads.register::<Flex>(id(node), value);
        }
    }
}

impl Backward<Flex, 3> for NormBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = contiguous(&grads.consume::<Flex>(&ops.node));
        register(
            grads,
            &ops.parents,
            gradients(&ops.state, &grad, false),
            |n| n.id,
        );
    }
}

impl Backward<Flex, 4> for NormResidualBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = contiguous(&grads.consume::<Flex>(&ops.node));
        register(
            grads,
            &ops.parents,
            gradients(&ops.state, &grad, true),
            |n| n.id,
        );
    }
}
