//! The weight gradient of a convolution as one GEMM over the batch-folded column space:
//! `dW [O, C·kh·kw] = dY [O, N·Ho·Wo] × im2col(X)ᵀ [N·Ho·Wo, C·kh·kw]`.
//!
//! The column space is cut into one contiguous chunk per thread; each chunk walks its tiles
//! (im2col tile, output-gradient tile, one accumulating GEMM) into its own `O × depth`
//! accumulator, and the accumulators are summed at the end. The split depends only on the
//! thread count, so the result is the same from run to run.
//!
//! The 3 × 3 stride-1 convolutions where Winograd measured faster go to
//! [`crate::conv2d_backward_weight_winograd`] instead (see `winograd.rs` for which).

use std::cell::RefCell;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use crate::buffer::grow;
use crate::im2col::fill_tile;
use crate::output_tile::output_tile;
use crate::tiles::{Run, tile_runs};
use crate::{ConvShape, KernelError};

/// Bytes of im2col tile a thread aims for in the weight gradient.
const TILE_BYTES: usize = 512 * 1024;
/// At least this many columns per tile: the tile width is the GEMM's inner dimension here,
/// and each tile reads and writes the whole `O × depth` accumulator.
const MIN_TILE_COLUMNS: usize = 256;

#[derive(Default)]
struct Scratch {
    im2col: Vec<f32>,
    grad_tile: Vec<f32>,
    runs: Vec<Run>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `grad_weight = dY × im2col(input)ᵀ`, the gradient of the convolution's weight
/// `[O, C, kh, kw]`, from the input `[N, C, H, W]` and the output gradient `[N, O, Ho, Wo]`.
/// Errors when a buffer's length does not match `shape`.
pub fn conv2d_backward_weight(
    input: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    grad_weight: &mut [f32],
) -> Result<(), KernelError> {
    check_lengths(input, grad_output, shape, grad_weight)?;
    if crate::winograd::winograd_weight_gradient_preferred(shape) {
        return crate::conv2d_backward_weight_winograd(input, grad_output, shape, grad_weight);
    }
    let columns = shape.columns();
    let chunks = rayon::current_num_threads().clamp(1, columns.div_ceil(MIN_TILE_COLUMNS));
    let bounds = |i: usize| i * columns / chunks;
    let mut partials: Vec<Vec<f32>> = (1..chunks).map(|_| vec![0.0; shape.weight_len()]).collect();
    grad_weight.fill(0.0);
    let mut accumulators: Vec<&mut [f32]> = std::iter::once(&mut *grad_weight)
        .chain(partials.iter_mut().map(Vec::as_mut_slice))
        .collect();
    accumulators
        .par_iter_mut()
        .enumerate()
        .for_each(|(i, acc)| accumulate(input, grad_output, shape, bounds(i)..bounds(i + 1), acc));
    drop(accumulators);
    for partial in &partials {
        for (g, p) in grad_weight.iter_mut().zip(partial) {
            *g += p;
        }
    }
    Ok(())
}

/// Adds the contribution of the columns `range` to `acc` (`O × depth`), tile by tile.
fn accumulate(
    input: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    range: std::ops::Range<usize>,
    acc: &mut [f32],
) {
    let depth = shape.depth();
    let per_tile = (TILE_BYTES / (4 * depth)).max(MIN_TILE_COLUMNS);
    SCRATCH.with_borrow_mut(|scratch| {
        let mut start = range.start;
        while start < range.end {
            let end = (start + per_tile).min(range.end);
            tile(input, grad_output, shape, start..end, scratch, acc);
            start = end;
        }
    });
}

/// `acc += dY_tile × im2col_tileᵀ` for the columns `range`.
fn tile(
    input: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    range: std::ops::Range<usize>,
    scratch: &mut Scratch,
    acc: &mut [f32],
) {
    let (n, depth, pixels) = (range.len(), shape.depth(), shape.out_pixels());
    tile_runs(shape, range.start, range.end, &mut scratch.runs);
    let image = range.start / pixels;
    // im2col tile as a `depth × n` matrix: element (k, j) at `k · k_stride + j`.
    let (cols, k_stride) = if shape.is_pointwise() && (range.end - 1) / pixels == image {
        let at = image * shape.in_channels * pixels + range.start % pixels;
        (input[at..].as_ptr(), pixels as isize)
    } else {
        grow(&mut scratch.im2col, depth * n);
        let tile = &mut scratch.im2col[..depth * n];
        fill_tile(shape, input, &scratch.runs, n, tile);
        (scratch.im2col.as_ptr(), n as isize)
    };
    let (dy, dy_stride) = output_tile(
        shape,
        grad_output,
        range.start,
        n,
        &scratch.runs,
        &mut scratch.grad_tile,
    );
    // SAFETY: dst is `O × depth` (row stride depth); lhs `O × n` (row stride dy_stride); rhs
    // the transposed im2col tile, `n × depth` with element (j, k) at `k · k_stride + j`.
    unsafe {
        gemm(
            shape.out_channels,
            depth,
            n,
            acc.as_mut_ptr(),
            1,
            depth as isize,
            true,
            dy,
            1,
            dy_stride,
            cols,
            k_stride,
            1,
            1.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

/// Errors when a weight gradient's buffers do not have the lengths of `shape` (the same check
/// for every weight-gradient kernel).
pub(crate) fn check_lengths(
    input: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    grad_weight: &[f32],
) -> Result<(), KernelError> {
    KernelError::check_len("input", shape.input_len(), input.len())?;
    KernelError::check_len("grad_output", shape.output_len(), grad_output.len())?;
    KernelError::check_len("grad_weight", shape.weight_len(), grad_weight.len())
}
