//! deephash-kernels: CPU compute kernels that work on plain `f32` slices.
//!
//! - [`conv2d_forward`]: a 2-D convolution (NCHW in, NCHW out, groups = 1, dilation = 1) as
//!   one im2col + GEMM over the whole batch, split into column tiles that run in parallel with
//!   rayon; the bias, an optional residual and the activation are applied while the tile is
//!   written out ([`Epilogue`]).
//! - [`conv2d_forward_winograd`]: the 3 × 3 stride-1 convolutions by Winograd's F(2×2, 3×3)
//!   (16 multiplications per 2 × 2 output tile instead of 36: filters transformed per call,
//!   tiles in parallel chunks, 16 GEMMs per chunk, the same fused epilogue);
//!   [`conv2d_forward`] hands it the shapes where it measured faster ([`winograd_preferred`]:
//!   64 channels or more in and out, enough tiles), and with it the input gradient of those
//!   layers. [`conv2d_backward_weight_winograd`]: their weight gradient by F(3×3, 2×2) (16
//!   GEMMs whose inner dimension is the tiles). `DEEPHASH_WINOGRAD=0` (read once) turns both
//!   off, so that one binary compares the paths; `DEEPHASH_WINOGRAD=all` uses them for every
//!   3 × 3 stride-1 convolution, whatever its size (to run small test networks through them).
//! - Its gradients, for training: [`conv2d_backward_weight`] (one GEMM over the batch-folded
//!   columns, `dY × im2col(X)ᵀ`), [`conv2d_backward_input`] (`Wᵀ × dY` per tile, scattered
//!   back by col2im) and [`conv2d_backward_bias`] (a reduction).
//! - Batch norm in training mode fused with the residual add and the activation:
//!   [`batch_norm_train_forward`] (statistics in one pass) and [`batch_norm_train_backward`].
//! - [`depthwise_forward`]: a depthwise convolution (groups = channels) for inference, direct
//!   (no im2col), with the same epilogue.
//! - Max pooling with PyTorch's tie rule: [`max_pool2d_forward`] (optionally recording where
//!   each maximum came from) and [`max_pool2d_backward`].
//! - [`written_by`] / [`as_uninit`]: outputs the batch-norm kernels only write, passed without
//!   zero-filling them first.
//! - [`simd`]: the kernels' own loops are compiled for AVX-512, AVX2 + FMA and the baseline
//!   instructions and chosen at run time (one binary for every x86-64 CPU).
//!
//! The kernels know nothing of burn: deephash-model hands them the buffers of its tensors.
//! The GEMM is the `gemm` crate's, which selects its AVX-512 or AVX2/FMA microkernel at run
//! time, so one binary serves both kinds of CPU.

mod batch_norm;
mod buffer;
mod col2im;
mod conv2d;
mod depthwise;
mod epilogue;
mod error;
mod grad_bias;
mod grad_input;
mod grad_weight;
mod im2col;
mod im2col_shifted;
mod max_pool;
mod output_tile;
mod shape;
pub mod simd;
mod tiles;
mod uninit;
mod winograd;
mod winograd_f4;
mod winograd_f4_transforms;
mod winograd_grad_weight;
mod winograd_tiles;
mod winograd_transforms;

pub use batch_norm::{
    MaskSource, NormParams, NormShape, batch_norm_train_backward, batch_norm_train_forward,
};
pub use conv2d::conv2d_forward;
pub use depthwise::{depthwise_forward, depthwise_forward_with};
pub use epilogue::{Activation, Epilogue};
pub use error::KernelError;
pub use grad_bias::conv2d_backward_bias;
pub use grad_input::conv2d_backward_input;
pub use grad_weight::conv2d_backward_weight;
pub use max_pool::{PoolShape, max_pool2d_backward, max_pool2d_forward};
pub use shape::ConvShape;
pub use uninit::{as_uninit, written_by};
pub use winograd::{
    WinogradTile, conv2d_forward_winograd, winograd_applies, winograd_choice, winograd_preferred,
};
pub use winograd_f4::conv2d_forward_winograd_f4;
pub use winograd_grad_weight::conv2d_backward_weight_winograd;
