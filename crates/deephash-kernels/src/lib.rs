//! deephash-kernels: CPU compute kernels that work on plain `f32` slices.
//!
//! - [`conv2d_forward`]: a 2-D convolution (NCHW in, NCHW out, groups = 1, dilation = 1) as
//!   one im2col + GEMM over the whole batch, split into column tiles that run in parallel with
//!   rayon; the bias, an optional residual and the activation are applied while the tile is
//!   written out ([`Epilogue`]).
//!
//! The kernels know nothing of burn: deephash-model hands them the buffers of its tensors.
//! The GEMM is the `gemm` crate's, which selects its AVX-512 or AVX2/FMA microkernel at run
//! time, so one binary serves both kinds of CPU.

mod conv2d;
mod epilogue;
mod error;
mod im2col;
mod shape;
mod tiles;

pub use conv2d::conv2d_forward;
pub use epilogue::{Activation, Epilogue};
pub use error::KernelError;
pub use shape::ConvShape;
