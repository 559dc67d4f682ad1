//! Max pooling on the Flex CPU device through deephash-kernels, in both modes:
//!
//! - inference (plain Flex device): `max_pool2d_forward` on the tensor's buffer, no indices;
//! - training (Flex autodiff device): a custom autodiff operation (like
//!   [`crate::train_conv`]) whose forward records where each maximum came from (`u32`
//!   positions inside the plane) and whose backward adds each output gradient there.
//!
//! burn-flex's generic pool runs every 2-D pool as a 3-D one, computes each window's bounds
//! per output value and keeps `i64` indices; its backward scatters through them. The kernel
//! has a dedicated 2 × 2 stride-2 loop and the same tie rule as PyTorch (and burn): the first
//! maximum in scan order gets the gradient, a NaN always wins.
//!
//! Dilated, ceil-mode and `Same`-padded pools, other devices and dtypes, gradient
//! checkpointing, `DEEPHASH_CONV_KERNEL=0` and `DEEPHASH_POOL_KERNEL=0` run burn's `MaxPool2d`.

use std::sync::{Arc, OnceLock};

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, Flex};
use burn::nn::PaddingConfig2d;
use burn::nn::pool::MaxPool2d;
use burn::tensor::{DType, Device, Tensor, TensorData};
use deephash_kernels::{PoolShape, max_pool2d_backward, max_pool2d_forward, written_by};

use crate::fused::kernel_enabled;
use crate::train_conv::{contiguous, f32s, on_flex_autodiff};

type Ad = Autodiff<Flex>;

/// `pool.forward(x)`: deephash-kernels' pool where it applies, burn's otherwise.
pub fn max_pool2d(pool: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    match pool_shape(pool, &x) {
        Some(shape) if pool_enabled() && on_flex_autodiff(&x) => training_op(x, shape),
        Some(shape) if on_flex(&x) => inference(x, shape),
        _ => pool.forward(x),
    }
}

/// Whether [`max_pool2d`] runs deephash-kernels' pool on `x` (inference or training).
pub fn uses_kernel(pool: &MaxPool2d, x: &Tensor<4>) -> bool {
    pool_shape(pool, x).is_some() && ((pool_enabled() && on_flex_autodiff(x)) || on_flex(x))
}

/// The kernel's geometry of `pool` on `x`, when the kernel can run it.
fn pool_shape(pool: &MaxPool2d, x: &Tensor<4>) -> Option<PoolShape> {
    if pool.dilation != [1, 1] || pool.ceil_mode {
        return None;
    }
    let padding = match pool.padding {
        PaddingConfig2d::Valid => [(0, 0), (0, 0)],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(top, bottom), (left, right)],
        PaddingConfig2d::Same => return None,
    };
    let [n, c, h, w] = x.dims();
    PoolShape::new(n, c, [h, w], pool.kernel_size, pool.stride, padding).ok()
}

/// An f32 tensor on the plain Flex device, kernels switched on.
fn on_flex(x: &Tensor<4>) -> bool {
    pool_enabled() && x.dtype() == DType::F32 && x.device() == Device::flex()
}

/// False when `DEEPHASH_CONV_KERNEL=0` (every kernel off) or `DEEPHASH_POOL_KERNEL=0` (this
/// pool alone off, for an A/B of the pool in one binary); read once.
fn pool_enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    kernel_enabled()
        && *ENABLED.get_or_init(|| std::env::var("DEEPHASH_POOL_KERNEL").map_or(true, |v| v != "0"))
}

fn dims(shape: &PoolShape) -> [usize; 4] {
    [
        shape.batch,
        shape.channels,
        shape.out_hw[0],
        shape.out_hw[1],
    ]
}

fn inference(x: Tensor<4>, shape: PoolShape) -> Tensor<4> {
    let device = x.device();
    let data = x.into_data();
    let input = data.as_slice::<f32>().expect("f32 checked by on_flex");
    let mut output = vec![0.0f32; shape.output_len()];
    max_pool2d_forward(input, &shape, &mut output, None)
        .expect("buffer lengths follow the tensor shapes");
    Tensor::from_data(TensorData::new(output, dims(&shape)), &device)
}

/// What the backward step keeps: where each maximum came from.
#[derive(Debug, Clone)]
struct State {
    indices: Arc<Vec<u32>>,
    shape: PoolShape,
}

/// Parent: the input.
#[derive(Debug)]
struct PoolBackward;

fn training_op(x: Tensor<4>, shape: PoolShape) -> Tensor<4> {
    let x = x
        .try_into_primitive::<Ad>()
        .expect("checked by on_flex_autodiff: Flex autodiff f32");
    let input = contiguous(x.primitive());
    let mut output = vec![0.0f32; shape.output_len()];
    let mut indices = vec![0u32; shape.output_len()];
    max_pool2d_forward(f32s(&input), &shape, &mut output, Some(&mut indices))
        .expect("buffer lengths follow the tensor shapes");
    let output = FlexTensor::from_data(TensorData::new(output, dims(&shape)));
    let state = State {
        indices: Arc::new(indices),
        shape,
    };
    let result = match PoolBackward
        .prepare::<NoCheckpointing>([x.node()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(state, output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    };
    Tensor::from_primitive::<Ad>(result)
}

impl Backward<Flex, 1> for PoolBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node] = ops.parents;
        let grad = contiguous(&grads.consume::<Flex>(&ops.node));
        let Some(node) = node else { return };
        let s = &ops.state.shape;
        // Not zero-filled here: the kernel zeroes each plane in its own task.
        // SAFETY: max_pool2d_backward writes every value of its output when it returns Ok.
        let dx = unsafe {
            written_by(s.input_len(), |dx| {
                max_pool2d_backward(f32s(&grad), &ops.state.indices, s, dx)
            })
        }
        .expect("buffer lengths follow the tensor shapes");
        let dims = [s.batch, s.channels, s.in_hw[0], s.in_hw[1]];
        grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(dx, dims)));
    }
}
