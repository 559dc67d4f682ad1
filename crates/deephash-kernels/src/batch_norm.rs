//! Batch norm in training mode, fused with the residual add and the activation that follow it
//! in every backbone here: `y = act(γ · (x − μ) / √(σ² + ε) + β + r)` with the batch's
//! statistics per channel, and its backward.
//!
//! Forward: one pass for the statistics (sum and sum of squares, in f64), one pass that writes
//! `y`. Backward: one pass for `Σ g` and `Σ g · x̂` (with `g = dY · act'(y)`), one pass that
//! writes `dX` (and `dR = g`). Channels run in parallel.

use rayon::prelude::*;

use crate::buffer::SharedMut;
use crate::{Activation, KernelError};

/// Layout of a batch-norm input `[N, C, P]` (P = pixels per channel and image, 1 for `[N, C]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormShape {
    /// Images (N).
    pub batch: usize,
    /// Channels (C).
    pub channels: usize,
    /// Values per channel and image (H · W).
    pub pixels: usize,
}

impl NormShape {
    /// Values in the tensor.
    pub fn len(&self) -> usize {
        self.batch * self.channels * self.pixels
    }

    /// Whether the tensor is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values per channel over the batch (the statistics' sample count).
    pub fn samples(&self) -> usize {
        self.batch * self.pixels
    }

    /// The ranges of channel `c`, one per image.
    fn ranges(&self, c: usize) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        (0..self.batch).map(move |n| {
            let at = (n * self.channels + c) * self.pixels;
            at..at + self.pixels
        })
    }
}

/// The parameters of the normalisation.
#[derive(Debug, Clone, Copy)]
pub struct NormParams<'a> {
    /// Scale γ, one per channel.
    pub gamma: &'a [f32],
    /// Shift β, one per channel (not needed by the backward).
    pub beta: &'a [f32],
    /// ε added to the variance.
    pub epsilon: f64,
    /// The activation applied after the residual add.
    pub activation: Activation,
}

/// `output = act(bn(input) + residual)` with the batch statistics, which are written to
/// `mean` and `variance` (biased, as the normalisation uses it). Errors on a length mismatch.
pub fn batch_norm_train_forward(
    input: &[f32],
    shape: &NormShape,
    params: &NormParams<'_>,
    residual: Option<&[f32]>,
    output: &mut [f32],
    mean: &mut [f32],
    variance: &mut [f32],
) -> Result<(), KernelError> {
    let check = KernelError::check_len;
    check("input", shape.len(), input.len())?;
    check("output", shape.len(), output.len())?;
    check("gamma", shape.channels, params.gamma.len())?;
    check("beta", shape.channels, params.beta.len())?;
    check("mean", shape.channels, mean.len())?;
    check("variance", shape.channels, variance.len())?;
    if let Some(r) = residual {
        check("residual", shape.len(), r.len())?;
    }
    let out = SharedMut(output.as_mut_ptr());
    let count = shape.samples() as f64;
    mean.par_iter_mut()
        .zip(variance.par_iter_mut())
        .enumerate()
        .for_each(|(c, (m, v))| {
            let (mut sum, mut squares) = (0.0f64, 0.0f64);
            for range in shape.ranges(c) {
                for &x in &input[range] {
                    sum += x as f64;
                    squares += x as f64 * x as f64;
                }
            }
            let mu = sum / count;
            let var = (squares / count - mu * mu).max(0.0);
            (*m, *v) = (mu as f32, var as f32);
            let scale = params.gamma[c] as f64 / (var + params.epsilon).sqrt();
            let (scale, shift) = (scale as f32, (params.beta[c] as f64 - mu * scale) as f32);
            for range in shape.ranges(c) {
                // SAFETY: channel c's values belong to this task only.
                let dst = unsafe { out.slice(range.clone()) };
                let res = residual.map(|r| &r[range.clone()]);
                for (i, (d, &x)) in dst.iter_mut().zip(&input[range.clone()]).enumerate() {
                    let y = x * scale + shift + res.map_or(0.0, |r| r[i]);
                    *d = params.activation.apply(y);
                }
            }
        });
    Ok(())
}

/// The gradients of [`batch_norm_train_forward`] from the output gradient: `grad_input`,
/// `grad_gamma`, `grad_beta` and, when given, `grad_residual`. `output`, `mean` and `variance`
/// are the forward's. Errors on a length mismatch.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_train_backward(
    input: &[f32],
    output: &[f32],
    grad_output: &[f32],
    shape: &NormShape,
    params: &NormParams<'_>,
    (mean, variance): (&[f32], &[f32]),
    grad_input: &mut [f32],
    (grad_gamma, grad_beta): (&mut [f32], &mut [f32]),
    grad_residual: Option<&mut [f32]>,
) -> Result<(), KernelError> {
    let check = KernelError::check_len;
    for (name, len) in [("input", input.len()), ("output", output.len())] {
        check(name, shape.len(), len)?;
    }
    check("grad_output", shape.len(), grad_output.len())?;
    check("grad_input", shape.len(), grad_input.len())?;
    for (name, len) in [("gamma", params.gamma.len()), ("mean", mean.len())] {
        check(name, shape.channels, len)?;
    }
    check("variance", shape.channels, variance.len())?;
    check("grad_gamma", shape.channels, grad_gamma.len())?;
    check("grad_beta", shape.channels, grad_beta.len())?;
    if let Some(r) = &grad_residual {
        check("grad_residual", shape.len(), r.len())?;
    }
    let dx = SharedMut(grad_input.as_mut_ptr());
    let dr = grad_residual.map(|r| SharedMut(r.as_mut_ptr()));
    let count = shape.samples() as f64;
    let act = params.activation;
    grad_gamma
        .par_iter_mut()
        .zip(grad_beta.par_iter_mut())
        .enumerate()
        .for_each(|(c, (dgamma, dbeta))| {
            let mu = mean[c] as f64;
            let inv_std = 1.0 / (variance[c] as f64 + params.epsilon).sqrt();
            let (mut sum_g, mut sum_gx) = (0.0f64, 0.0f64);
            for range in shape.ranges(c) {
                for ((&x, &y), &d) in input[range.clone()]
                    .iter()
                    .zip(&output[range.clone()])
                    .zip(&grad_output[range])
                {
                    let g = act.derivative_at_output(y) * d;
                    sum_g += g as f64;
                    sum_gx += g as f64 * (x as f64 - mu);
                }
            }
            let sum_gxhat = sum_gx * inv_std;
            (*dgamma, *dbeta) = (sum_gxhat as f32, sum_g as f32);
            let k = params.gamma[c] as f64 * inv_std;
            let (a, b) = (sum_g / count, sum_gxhat / count * inv_std);
            for range in shape.ranges(c) {
                // SAFETY: channel c's values belong to this task only.
                let dst = unsafe { dx.slice(range.clone()) };
                // SAFETY: as above, in the residual's gradient.
                let res = dr.map(|p| unsafe { p.slice(range.clone()) });
                let src = input[range.clone()]
                    .iter()
                    .zip(&output[range.clone()])
                    .zip(&grad_output[range]);
                match res {
                    Some(res) => {
                        for (i, ((&x, &y), &d)) in src.enumerate() {
                            let g = act.derivative_at_output(y) * d;
                            res[i] = g;
                            dst[i] = (k * (g as f64 - a - (x as f64 - mu) * b)) as f32;
                        }
                    }
                    None => {
                        for (i, ((&x, &y), &d)) in src.enumerate() {
                            let g = act.derivative_at_output(y) * d;
                            dst[i] = (k * (g as f64 - a - (x as f64 - mu) * b)) as f32;
                        }
                    }
                }
            }
        });
    Ok(())
}
