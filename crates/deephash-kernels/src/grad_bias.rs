//! The bias gradient of a convolution: the output gradient summed over images and pixels.

use rayon::prelude::*;

use crate::{ConvShape, KernelError};

/// `grad_bias[o] = Σ_{n, y, x} dY[n, o, y, x]` (accumulated in f64) from the output gradient
/// `[N, O, Ho, Wo]`. Errors when a buffer's length does not match `shape`.
pub fn conv2d_backward_bias(
    grad_output: &[f32],
    shape: &ConvShape,
    grad_bias: &mut [f32],
) -> Result<(), KernelError> {
    KernelError::check_len("grad_output", shape.output_len(), grad_output.len())?;
    KernelError::check_len("grad_bias", shape.out_channels, grad_bias.len())?;
    let (channels, pixels) = (shape.out_channels, shape.out_pixels());
    grad_bias.par_iter_mut().enumerate().for_each(|(o, g)| {
        let sum: f64 = (0..shape.batch)
            .map(|n| {
                let at = (n * channels + o) * pixels;
                grad_output[at..at + pixels]
                    .iter()
                    .map(|&v| v as f64)
                    .sum::<f64>()
            })
            .sum();
        *g = sum as f32;
    });
    Ok(())
}
