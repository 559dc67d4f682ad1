//! Batch norm in training mode, fused with the residual add and the activation that follow it
//! in every backbone here: `y = act(γ · (x − μ) / √(σ² + ε) + β + r)` with the batch's
//! statistics per channel, and its backward.
//!
//! Forward: one pass for the statistics (sum and sum of squares, shifted by the channel's first
//! value; f32 lanes within blocks of 256 values, f64 across blocks), one pass that writes `y`.
//! Backward: one pass for `Σ g` and `Σ g · x̂` (with `g = dY · act'(y)`), one pass that
//! writes `dX` (and `dR = g`); without a residual the mask `act'(y)` is recomputed from `x`
//! (see [`MaskSource`]), so both passes read two arrays instead of three. Channels run in
//! parallel.

use rayon::prelude::*;

use std::mem::MaybeUninit;

use crate::buffer::SharedMut;
use crate::simd::multiversion;
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
/// `mean` and `variance` (biased, as the normalisation uses it). Every value of `output` is
/// written (it may come uninitialised, e.g. a vector's spare capacity: no zero-filling pass).
/// Errors on a length mismatch.
pub fn batch_norm_train_forward(
    input: &[f32],
    shape: &NormShape,
    params: &NormParams<'_>,
    residual: Option<&[f32]>,
    output: &mut [MaybeUninit<f32>],
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
    let out = SharedMut(output.as_mut_ptr().cast::<f32>());
    let count = shape.samples() as f64;
    mean.par_iter_mut()
        .zip(variance.par_iter_mut())
        .enumerate()
        .for_each(|(c, (m, v))| {
            // Shifted by the channel's first value, so that E[d²] − E[d]² does not cancel.
            let k = input[c * shape.pixels];
            let (mut sum, mut squares) = (0.0f64, 0.0f64);
            for range in shape.ranges(c) {
                let (s, q) = shifted_sums(&input[range], k);
                (sum, squares) = (sum + s, squares + q);
            }
            let shifted_mean = sum / count;
            let mu = k as f64 + shifted_mean;
            let var = (squares / count - shifted_mean * shifted_mean).max(0.0);
            (*m, *v) = (mu as f32, var as f32);
            let (scale, shift) = coefficients(params, c, *m, *v);
            for range in shape.ranges(c) {
                // SAFETY: channel c's values belong to this task only.
                let dst = unsafe { out.slice_uninit(range.clone()) };
                let res = residual.map(|r| &r[range.clone()]);
                normalize(dst, &input[range], res, (scale, shift), params.activation);
            }
        });
    Ok(())
}

/// `(scale, shift)` of channel `c`: `y = act(x · scale + shift (+ r))`, from the statistics as
/// stored (f32), so that the backward can recompute the forward's pre-activation bit for bit.
fn coefficients(params: &NormParams<'_>, c: usize, mean: f32, variance: f32) -> (f32, f32) {
    let scale = params.gamma[c] as f64 / (variance as f64 + params.epsilon).sqrt();
    (
        scale as f32,
        (params.beta[c] as f64 - mean as f64 * scale) as f32,
    )
}

/// Where the backward finds the activation's mask (`act'` at each output).
#[derive(Debug, Clone, Copy)]
pub enum MaskSource<'a> {
    /// The forward's output `y` (needed when the forward added a residual).
    Output(&'a [f32]),
    /// Recomputed from the input as `act(x · scale + shift)` with the forward's coefficients
    /// (γ, β and the statistics): bit for bit the forward's output when it added no residual,
    /// and one array less to read in both backward passes. Needs `NormParams::beta`.
    Recomputed,
}

/// Values summed per f32 block before the block's total joins the f64 total.
const BLOCK: usize = 256;
/// Independent f32 accumulators inside a block (one AVX-512 register; no add-latency chain).
const LANES: usize = 16;

multiversion! {
    /// `(Σ (x − k), Σ (x − k)²)`: f32 lanes within blocks of [`BLOCK`] values, f64 across
    /// blocks.
    fn shifted_sums(xs: &[f32], k: f32) -> (f64, f64) {
        let (mut sum, mut squares) = (0.0f64, 0.0f64);
        for block in xs.chunks(BLOCK) {
            let (mut s, mut q) = ([0.0f32; LANES], [0.0f32; LANES]);
            let lanes = block.chunks_exact(LANES);
            for &x in lanes.remainder() {
                let d = x - k;
                (s[0], q[0]) = (s[0] + d, q[0] + d * d);
            }
            for chunk in lanes {
                for i in 0..LANES {
                    let d = chunk[i] - k;
                    s[i] += d;
                    q[i] += d * d;
                }
            }
            sum += s.iter().map(|&v| v as f64).sum::<f64>();
            squares += q.iter().map(|&v| v as f64).sum::<f64>();
        }
        (sum, squares)
    }
}

/// `dY · act'(y)` as a select (no branch on the data, so that the loops vectorise).
#[inline(always)]
fn masked(act: Activation, y: f32, d: f32) -> f32 {
    match act {
        Activation::Identity => d,
        Activation::Relu => {
            if y > 0.0 {
                d
            } else {
                0.0
            }
        }
        Activation::Relu6 => {
            if y > 0.0 && y < 6.0 {
                d
            } else {
                0.0
            }
        }
    }
}

/// Calls `$body` with `$act` as a constant of each variant (one loop per activation).
macro_rules! per_activation {
    ($act:expr, |$a:ident| $body:expr) => {
        match $act {
            Activation::Identity => {
                let $a = Activation::Identity;
                $body
            }
            Activation::Relu => {
                let $a = Activation::Relu;
                $body
            }
            Activation::Relu6 => {
                let $a = Activation::Relu6;
                $body
            }
        }
    };
}

/// `act(v)`.
#[inline(always)]
fn activate(act: Activation, v: f32) -> f32 {
    match act {
        Activation::Identity => v,
        Activation::Relu => v.max(0.0),
        Activation::Relu6 => v.clamp(0.0, 6.0),
    }
}

multiversion! {
    /// `dst = act(x · scale + shift (+ residual))`, one loop per activation.
    fn normalize(
        dst: &mut [MaybeUninit<f32>],
        x: &[f32],
        res: Option<&[f32]>,
        coefficients: (f32, f32),
        act: Activation,
    ) {
        let (scale, shift) = coefficients;
        per_activation!(act, |a| match res {
            Some(r) => {
                for ((d, &x), &r) in dst.iter_mut().zip(x).zip(r) {
                    d.write(activate(a, x * scale + shift + r));
                }
            }
            None => {
                for (d, &x) in dst.iter_mut().zip(x) {
                    d.write(activate(a, x * scale + shift));
                }
            }
        })
    }
}

/// `g = dY · act'(y)` where `y` is read (`recompute` = None) or recomputed from `x` as
/// `act(x · scale + shift)`; `y_or_x` is the output or the input accordingly.
#[inline(always)]
fn gate(act: Activation, recompute: Option<(f32, f32)>, y_or_x: f32, d: f32) -> f32 {
    match recompute {
        None => masked(act, y_or_x, d),
        Some((scale, shift)) => masked(act, activate(act, y_or_x * scale + shift), d),
    }
}

multiversion! {
    /// `(Σ g, Σ g · (x − μ))` with `g` from [`gate`] (`y` is `x` when the mask is
    /// recomputed), blocked like [`shifted_sums`].
    fn gradient_sums(
        x: &[f32],
        y: &[f32],
        d: &[f32],
        mu: f32,
        recompute: Option<(f32, f32)>,
        act: Activation,
    ) -> (f64, f64) {
        per_activation!(act, |a| match recompute {
            None => sums_blocked(x, y, d, mu, |y, d| gate(a, None, y, d)),
            Some(c) => sums_blocked(x, y, d, mu, |y, d| gate(a, Some(c), y, d)),
        })
    }
}

/// The blocked sums of [`gradient_sums`] for one gate.
#[inline(always)]
fn sums_blocked(
    x: &[f32],
    y: &[f32],
    d: &[f32],
    mu: f32,
    g_of: impl Fn(f32, f32) -> f32,
) -> (f64, f64) {
    let (mut sum_g, mut sum_gx) = (0.0f64, 0.0f64);
    for ((xb, yb), db) in x.chunks(BLOCK).zip(y.chunks(BLOCK)).zip(d.chunks(BLOCK)) {
        let (mut s, mut q) = ([0.0f32; LANES], [0.0f32; LANES]);
        let (mut xc, mut yc, mut dc) = (
            xb.chunks_exact(LANES),
            yb.chunks_exact(LANES),
            db.chunks_exact(LANES),
        );
        for ((xs, ys), ds) in (&mut xc).zip(&mut yc).zip(&mut dc) {
            for i in 0..LANES {
                let g = g_of(ys[i], ds[i]);
                s[i] += g;
                q[i] += g * (xs[i] - mu);
            }
        }
        for ((&x, &y), &d) in xc
            .remainder()
            .iter()
            .zip(yc.remainder())
            .zip(dc.remainder())
        {
            let g = g_of(y, d);
            (s[0], q[0]) = (s[0] + g, q[0] + g * (x - mu));
        }
        sum_g += s.iter().map(|&v| v as f64).sum::<f64>();
        sum_gx += q.iter().map(|&v| v as f64).sum::<f64>();
    }
    (sum_g, sum_gx)
}

multiversion! {
    /// `dX = k · (g − a − (x − μ) · b)` (and `dR = g`) with `g` from [`gate`] (`y` is `x`
    /// when the mask is recomputed).
    fn input_gradient(
        dst: &mut [MaybeUninit<f32>],
        res: Option<&mut [MaybeUninit<f32>]>,
        inputs: (&[f32], &[f32], &[f32]),
        coefficients: (f32, f32, f32, f32),
        recompute: Option<(f32, f32)>,
        act: Activation,
    ) {
        per_activation!(act, |act| match recompute {
            None => gradient_rows(dst, res, inputs, coefficients, |y, d| gate(act, None, y, d)),
            Some(c) => {
                gradient_rows(dst, res, inputs, coefficients, |y, d| gate(act, Some(c), y, d))
            }
        })
    }
}

/// The loop of [`input_gradient`] for one gate.
#[inline(always)]
fn gradient_rows(
    dst: &mut [MaybeUninit<f32>],
    res: Option<&mut [MaybeUninit<f32>]>,
    (x, y, d): (&[f32], &[f32], &[f32]),
    (k, a, b, mu): (f32, f32, f32, f32),
    g_of: impl Fn(f32, f32) -> f32,
) {
    let values = dst.iter_mut().zip(x).zip(y).zip(d);
    match res {
        Some(res) => {
            for ((((dx, &x), &y), &d), dr) in values.zip(res) {
                let g = g_of(y, d);
                dr.write(g);
                dx.write(k * (g - a - (x - mu) * b));
            }
        }
        None => {
            for (((dx, &x), &y), &d) in values {
                let g = g_of(y, d);
                dx.write(k * (g - a - (x - mu) * b));
            }
        }
    }
}

/// The gradients of [`batch_norm_train_forward`] from the output gradient: `grad_input`,
/// `grad_gamma`, `grad_beta` and, when given, `grad_residual`. `mean` and `variance` are the
/// forward's; the activation's mask comes from `mask` ([`MaskSource::Recomputed`] only when
/// the forward added no residual). Every value of `grad_input` and `grad_residual` is written
/// (they may come uninitialised). Errors on a length mismatch.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_train_backward(
    input: &[f32],
    mask: MaskSource<'_>,
    grad_output: &[f32],
    shape: &NormShape,
    params: &NormParams<'_>,
    (mean, variance): (&[f32], &[f32]),
    grad_input: &mut [MaybeUninit<f32>],
    (grad_gamma, grad_beta): (&mut [f32], &mut [f32]),
    grad_residual: Option<&mut [MaybeUninit<f32>]>,
) -> Result<(), KernelError> {
    let check = KernelError::check_len;
    check("input", shape.len(), input.len())?;
    // The slice the gate reads: the output, or the input itself when the mask is recomputed.
    let (y_or_x, recomputed) = match mask {
        MaskSource::Output(output) => {
            check("output", shape.len(), output.len())?;
            (output, false)
        }
        MaskSource::Recomputed => {
            check("beta", shape.channels, params.beta.len())?;
            (input, true)
        }
    };
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
    let dx = SharedMut(grad_input.as_mut_ptr().cast::<f32>());
    let dr = grad_residual.map(|r| SharedMut(r.as_mut_ptr().cast::<f32>()));
    let count = shape.samples() as f64;
    let act = params.activation;
    grad_gamma
        .par_iter_mut()
        .zip(grad_beta.par_iter_mut())
        .enumerate()
        .for_each(|(c, (dgamma, dbeta))| {
            let mu = mean[c] as f64;
            let inv_std = 1.0 / (variance[c] as f64 + params.epsilon).sqrt();
            let recompute = recomputed.then(|| coefficients(params, c, mean[c], variance[c]));
            let (mut sum_g, mut sum_gx) = (0.0f64, 0.0f64);
            for range in shape.ranges(c) {
                let (x, y, d) = (
                    &input[range.clone()],
                    &y_or_x[range.clone()],
                    &grad_output[range],
                );
                let (s, q) = gradient_sums(x, y, d, mu as f32, recompute, act);
                (sum_g, sum_gx) = (sum_g + s, sum_gx + q);
            }
            let sum_gxhat = sum_gx * inv_std;
            (*dgamma, *dbeta) = (sum_gxhat as f32, sum_g as f32);
            let k = params.gamma[c] as f64 * inv_std;
            let (a, b) = (sum_g / count, sum_gxhat / count * inv_std);
            let (k, a, b, mu) = (k as f32, a as f32, b as f32, mu as f32);
            for range in shape.ranges(c) {
                // SAFETY: channel c's values belong to this task only.
                let dst = unsafe { dx.slice_uninit(range.clone()) };
                // SAFETY: as above, in the residual's gradient.
                let res = dr.map(|p| unsafe { p.slice_uninit(range.clone()) });
                let (x, y) = (&input[range.clone()], &y_or_x[range.clone()]);
                let inputs = (x, y, &grad_output[range]);
                input_gradient(dst, res, inputs, (k, a, b, mu), recompute, act);
            }
        });
    Ok(())
}
