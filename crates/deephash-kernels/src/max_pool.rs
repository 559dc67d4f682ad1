//! 2-D max pooling (NCHW, no dilation, floor mode) and its gradient.
//!
//! The forward pass can record, for every output value, where its maximum came from (the
//! position inside its input plane); the backward pass adds each output gradient to that
//! position. Ties follow PyTorch: the first maximum in scan order (row by row) wins, and a
//! NaN always wins (the last NaN of the window), so the gradient goes where PyTorch sends it.
//! Padding is never the maximum (PyTorch pads with −∞).
//!
//! The 2 × 2 stride-2 unpadded pool (the small CNN's) has its own loop: two input rows per
//! output row, no window bounds to compute. Every other pool (ResNet's 3 × 3 stride-2 stem
//! pool) runs separably: row-wise maxima of each input row once, then their maxima down the
//! window's rows; without positions (inference) the other way round, columns first.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::KernelError;
use crate::simd::multiversion;

/// Values an output chunk of one rayon task should cover at least, so that small pools do
/// not pay more in dispatch than in work.
const MIN_TASK_VALUES: usize = 16 * 1024;

/// Geometry of a 2-D max pool: `[N, C, H, W] -> [N, C, Ho, Wo]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolShape {
    /// Images in the batch (N).
    pub batch: usize,
    /// Channels (C).
    pub channels: usize,
    /// Input height and width.
    pub in_hw: [usize; 2],
    /// Window height and width.
    pub kernel: [usize; 2],
    /// Vertical and horizontal stride.
    pub stride: [usize; 2],
    /// Padding (top, left); the bottom and right padding only set the output size.
    pub pad_start: [usize; 2],
    /// Output height and width.
    pub out_hw: [usize; 2],
}

impl PoolShape {
    /// The geometry of a max pool with padding `[(top, bottom), (left, right)]` (floor mode);
    /// an error when a size is zero, the window does not fit the padded input, or a window
    /// could lie entirely in the padding (padding wider than the window).
    pub fn new(
        batch: usize,
        channels: usize,
        in_hw: [usize; 2],
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [(usize, usize); 2],
    ) -> Result<Self, KernelError> {
        let out = |axis: usize| {
            let padded = in_hw[axis] + padding[axis].0 + padding[axis].1;
            let fits = stride[axis] > 0
                && kernel[axis] > 0
                && padded >= kernel[axis]
                && padding[axis].0 < kernel[axis]
                && padding[axis].1 < kernel[axis];
            fits.then(|| (padded - kernel[axis]) / stride[axis] + 1)
        };
        let empty = [batch, channels, in_hw[0], in_hw[1]].contains(&0);
        match (out(0), out(1)) {
            (Some(h), Some(w)) if !empty => Ok(Self {
                batch,
                channels,
                in_hw,
                kernel,
                stride,
                pad_start: [padding[0].0, padding[1].0],
                out_hw: [h, w],
            }),
            _ => Err(KernelError::EmptyGeometry(format!(
                "max pool {in_hw:?} kernel {kernel:?} stride {stride:?} padding {padding:?}"
            ))),
        }
    }

    /// Planes (`N · C`).
    pub fn planes(&self) -> usize {
        self.batch * self.channels
    }

    /// Values in the input `[N, C, H, W]`.
    pub fn input_len(&self) -> usize {
        self.planes() * self.in_hw[0] * self.in_hw[1]
    }

    /// Values in the output `[N, C, Ho, Wo]`.
    pub fn output_len(&self) -> usize {
        self.planes() * self.out_hw[0] * self.out_hw[1]
    }

    fn is_2x2_stride_2(&self) -> bool {
        self.kernel == [2, 2] && self.stride == [2, 2] && self.pad_start == [0, 0]
    }

    /// Planes per rayon task.
    fn planes_per_task(&self) -> usize {
        let per_plane = (self.in_hw[0] * self.in_hw[1]).max(1);
        MIN_TASK_VALUES.div_ceil(per_plane).max(1)
    }
}

/// `output = max_pool2d(input)`; with `indices`, also the position of each maximum inside its
/// input plane (`iy · W + ix`), for [`max_pool2d_backward`]. Errors when a buffer's length
/// does not match `shape`.
pub fn max_pool2d_forward(
    input: &[f32],
    shape: &PoolShape,
    output: &mut [f32],
    indices: Option<&mut [u32]>,
) -> Result<(), KernelError> {
    KernelError::check_len("input", shape.input_len(), input.len())?;
    KernelError::check_len("output", shape.output_len(), output.len())?;
    if let Some(indices) = &indices {
        KernelError::check_len("indices", shape.output_len(), indices.len())?;
    }
    let ([h, w], [ho, wo]) = (shape.in_hw, shape.out_hw);
    let per_task = shape.planes_per_task();
    let indices = indices.map(|i| IndexPtr(i.as_mut_ptr()));
    output
        .par_chunks_mut(per_task * ho * wo)
        .enumerate()
        .for_each(|(t, out)| {
            let first = t * per_task;
            let mut scratch = RowMaxima::default();
            for (p, out) in out.chunks_exact_mut(ho * wo).enumerate() {
                let plane = &input[(first + p) * h * w..][..h * w];
                // SAFETY: this task owns the same planes of the indices as of the output.
                let idx = indices.map(|i| unsafe {
                    std::slice::from_raw_parts_mut(i.0.add((first + p) * ho * wo), ho * wo)
                });
                if shape.is_2x2_stride_2() {
                    pool_2x2(plane, shape, out, idx);
                } else if idx.is_none() {
                    pool_values(plane, shape, out, &mut scratch.values);
                } else {
                    pool_separable(plane, shape, out, idx, &mut scratch);
                }
            }
        });
    Ok(())
}

/// `grad_input`: each output gradient added at the input position its maximum came from
/// (`indices` from [`max_pool2d_forward`]), zero elsewhere. Every value of `grad_input` is
/// written (it may come uninitialised: each task zeroes its own planes). Errors when a
/// buffer's length does not match `shape` (or an index lies outside its plane).
pub fn max_pool2d_backward(
    grad_output: &[f32],
    indices: &[u32],
    shape: &PoolShape,
    grad_input: &mut [MaybeUninit<f32>],
) -> Result<(), KernelError> {
    KernelError::check_len("grad_output", shape.output_len(), grad_output.len())?;
    KernelError::check_len("indices", shape.output_len(), indices.len())?;
    KernelError::check_len("grad_input", shape.input_len(), grad_input.len())?;
    let plane_in = shape.in_hw[0] * shape.in_hw[1];
    if let Some(&bad) = indices.iter().find(|&&i| i as usize >= plane_in) {
        return Err(KernelError::BufferLength {
            name: "indices (a position past the plane)",
            expected: plane_in,
            actual: bad as usize + 1,
        });
    }
    let plane_out = shape.out_hw[0] * shape.out_hw[1];
    let per_task = shape.planes_per_task();
    grad_input
        .par_chunks_mut(per_task * plane_in)
        .enumerate()
        .for_each(|(t, dx)| {
            let first = t * per_task;
            for (p, dx) in dx.chunks_exact_mut(plane_in).enumerate() {
                let at = (first + p) * plane_out..(first + p + 1) * plane_out;
                dx.fill(MaybeUninit::new(0.0));
                // SAFETY: every value of the plane was just written; MaybeUninit<f32> has f32's
                // layout.
                let dx: &mut [f32] =
                    unsafe { std::slice::from_raw_parts_mut(dx.as_mut_ptr().cast(), dx.len()) };
                for (&i, &g) in indices[at.clone()].iter().zip(&grad_output[at]) {
                    dx[i as usize] += g;
                }
            }
        });
    Ok(())
}

/// The raw pointer of the indices, shared by tasks that each write their own planes.
#[derive(Clone, Copy)]
struct IndexPtr(*mut u32);
// SAFETY: every task writes only the planes it owns.
unsafe impl Send for IndexPtr {}
unsafe impl Sync for IndexPtr {}

/// `best`, or `(v, at)` when PyTorch's rule picks it (larger, or NaN); a select, not a branch
/// (pooled values are random: a branch would mispredict about every other time).
#[inline(always)]
fn take(best: (f32, u32), v: f32, at: u32) -> (f32, u32) {
    let wins = v > best.0 || v.is_nan();
    (
        if wins { v } else { best.0 },
        if wins { at } else { best.1 },
    )
}

multiversion! {
    /// One plane of a 2 × 2 stride-2 unpadded pool.
    fn pool_2x2(plane: &[f32], shape: &PoolShape, out: &mut [f32], idx: Option<&mut [u32]>) {
        let ([_, w], wo) = (shape.in_hw, shape.out_hw[1]);
        match idx {
            None => {
                for (oy, out) in out.chunks_exact_mut(wo).enumerate() {
                    let r0 = &plane[2 * oy * w..][..2 * wo];
                    let r1 = &plane[(2 * oy + 1) * w..][..2 * wo];
                    for ((o, a), b) in out.iter_mut().zip(r0.chunks_exact(2)).zip(r1.chunks_exact(2)) {
                        *o = max_nan(max_nan(a[0], a[1]), max_nan(b[0], b[1]));
                    }
                }
            }
            Some(idx) => {
                for (oy, (out, idx)) in out.chunks_exact_mut(wo).zip(idx.chunks_exact_mut(wo)).enumerate() {
                    let (y0, y1) = (2 * oy * w, (2 * oy + 1) * w);
                    let r0 = &plane[y0..][..2 * wo];
                    let r1 = &plane[y1..][..2 * wo];
                    for (ox, (((o, i), a), b)) in out
                        .iter_mut()
                        .zip(idx.iter_mut())
                        .zip(r0.chunks_exact(2))
                        .zip(r1.chunks_exact(2))
                        .enumerate()
                    {
                        let x = (2 * ox) as u32;
                        let best = (a[0], y0 as u32 + x);
                        let best = take(best, a[1], y0 as u32 + x + 1);
                        let best = take(best, b[0], y1 as u32 + x);
                        (*o, *i) = take(best, b[1], y1 as u32 + x + 1);
                    }
                }
            }
        }
    }
}

/// The larger of two values, NaN when either is (the value PyTorch's pool returns).
#[inline(always)]
fn max_nan(a: f32, b: f32) -> f32 {
    if a > b || a.is_nan() { a } else { b }
}

multiversion! {
    /// One plane of any pool when only the values are wanted (inference): per output row,
    /// first the maximum down the window's rows for every input column (whole rows at once,
    /// which vectorises), then the maximum across each window's columns of that one row
    /// (`Ho × Wo` strided reads instead of [`pool_separable`]'s `H × Wo`, and no positions).
    /// The value is the window's maximum, or NaN when the window holds one, as PyTorch's;
    /// the order of the comparisons cannot change it (only which of `0.0` and `-0.0` comes
    /// out of a tie between them).
    fn pool_values(plane: &[f32], shape: &PoolShape, out: &mut [f32], column: &mut Vec<f32>) {
        let ([h, w], wo) = (shape.in_hw, shape.out_hw[1]);
        let window = |o: usize, axis: usize, size: usize| {
            let start = (o * shape.stride[axis]) as isize - shape.pad_start[axis] as isize;
            let end = (start + shape.kernel[axis] as isize).min(size as isize);
            (start.max(0) as usize, end as usize)
        };
        column.resize(w, 0.0);
        let column = &mut column[..w];
        for (oy, out_row) in out.chunks_exact_mut(wo).enumerate() {
            let (y0, y1) = window(oy, 0, h);
            column.copy_from_slice(&plane[y0 * w..][..w]);
            for row in plane[(y0 + 1) * w..y1 * w].chunks_exact(w) {
                for (c, &v) in column.iter_mut().zip(row) {
                    *c = max_nan(v, *c);
                }
            }
            for (ox, o) in out_row.iter_mut().enumerate() {
                let (x0, x1) = window(ox, 1, w);
                *o = column[x0 + 1..x1].iter().fold(column[x0], |m, &v| max_nan(v, m));
            }
        }
    }
}

/// Per-task scratch of the separable pool: the row-wise maxima of one plane (`H × Wo` values
/// and their positions).
#[derive(Default)]
struct RowMaxima {
    values: Vec<f32>,
    positions: Vec<u32>,
}

multiversion! {
    /// One plane of any pool, separably: first the maximum of each window's columns in every
    /// input row (`H × Wo`, kept with its position), then the maximum of each window's rows of
    /// those. Each input row is scanned once however many windows overlap it (ResNet's 3 × 3
    /// stride-2 pool: 3 + 3 comparisons per output instead of 9), and the second step runs
    /// along whole rows. PyTorch's rule survives the split: scanning the window row by row,
    /// the first maximum is the first row's first maximum among the rows that reach the
    /// window's maximum, and the last NaN is the last NaN of the last row that has one — what
    /// the two folds with [`take`] (first maximum, last NaN) pick. Windows are clipped to the
    /// input (padding never wins).
    fn pool_separable(
        plane: &[f32],
        shape: &PoolShape,
        out: &mut [f32],
        idx: Option<&mut [u32]>,
        scratch: &mut RowMaxima,
    ) {
        let ([h, w], wo) = (shape.in_hw, shape.out_hw[1]);
        let window = |o: usize, axis: usize, size: usize| {
            let start = (o * shape.stride[axis]) as isize - shape.pad_start[axis] as isize;
            let end = (start + shape.kernel[axis] as isize).min(size as isize);
            (start.max(0) as usize, end as usize)
        };
        scratch.values.resize(h * wo, 0.0);
        scratch.positions.resize(h * wo, 0);
        let (values, positions) = (&mut scratch.values[..h * wo], &mut scratch.positions[..h * wo]);
        for (y, ((row_v, row_p), row)) in values
            .chunks_exact_mut(wo)
            .zip(positions.chunks_exact_mut(wo))
            .zip(plane.chunks_exact(w))
            .enumerate()
        {
            let base = (y * w) as u32;
            for (ox, (v, p)) in row_v.iter_mut().zip(row_p.iter_mut()).enumerate() {
                let (x0, x1) = window(ox, 1, w);
                let mut best = (row[x0], base + x0 as u32);
                for (x, &value) in row[x0..x1].iter().enumerate().skip(1) {
                    best = take(best, value, base + (x0 + x) as u32);
                }
                (*v, *p) = best;
            }
        }
        let mut idx = idx;
        for (oy, out_row) in out.chunks_exact_mut(wo).enumerate() {
            let (y0, y1) = window(oy, 0, h);
            let (first_v, first_p) = (&values[y0 * wo..][..wo], &positions[y0 * wo..][..wo]);
            match idx.as_deref_mut() {
                Some(idx) => {
                    let idx_row = &mut idx[oy * wo..][..wo];
                    out_row.copy_from_slice(first_v);
                    idx_row.copy_from_slice(first_p);
                    for y in y0 + 1..y1 {
                        let (vs, ps) = (&values[y * wo..][..wo], &positions[y * wo..][..wo]);
                        for (((o, i), &v), &p) in out_row.iter_mut().zip(idx_row.iter_mut()).zip(vs).zip(ps) {
                            (*o, *i) = take((*o, *i), v, p);
                        }
                    }
                }
                None => {
                    out_row.copy_from_slice(first_v);
                    for y in y0 + 1..y1 {
                        for (o, &v) in out_row.iter_mut().zip(&values[y * wo..][..wo]) {
                            *o = if v > *o || v.is_nan() { v } else { *o };
                        }
                    }
                }
            }
        }
    }
}
