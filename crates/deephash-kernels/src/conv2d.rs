//! The convolution driver: the batch-folded column space is cut into tiles; each rayon task
//! builds its tile's im2col block in a per-thread buffer (reused, never reallocated once
//! grown), multiplies it by the weight matrix `[O, C·kh·kw]` with `gemm` on one thread, and
//! writes the result with the fused epilogue.
//!
//! 3 × 3 stride-1 convolutions with enough channels and tiles go to Winograd's F(4×4, 3×3) or
//! F(2×2, 3×3) instead ([`crate::conv2d_forward_winograd_f4`],
//! [`crate::conv2d_forward_winograd`]; which, per shape: [`crate::winograd_choice`]).

use std::cell::RefCell;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use crate::buffer::{SharedMut, grow};
use crate::im2col::fill_tile;
use crate::tiles::{GEMM_ROWS, Run, tile_columns_aligned, tile_runs};
use crate::{ConvShape, Epilogue, KernelError, WinogradTile};

/// Per-thread working memory, kept between calls so that no tile allocates.
#[derive(Default)]
struct Scratch {
    im2col: Vec<f32>,
    product: Vec<f32>,
    runs: Vec<Run>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `output = act(conv2d(input, weight) + bias + residual)` in NCHW.
///
/// `input` is `[N, C, H, W]`, `weight` `[O, C, kh, kw]`, `output` `[N, O, Ho, Wo]`, all
/// contiguous row-major; the [`Epilogue`]'s bias has `O` values and its residual the output's
/// shape. Errors when a buffer's length does not match `shape`.
pub fn conv2d_forward(
    input: &[f32],
    weight: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    output: &mut [f32],
) -> Result<(), KernelError> {
    match crate::winograd_choice(shape) {
        Some(WinogradTile::F4) => {
            return crate::conv2d_forward_winograd_f4(input, weight, shape, epilogue, output);
        }
        Some(WinogradTile::F2) => {
            return crate::conv2d_forward_winograd(input, weight, shape, epilogue, output);
        }
        None => {}
    }
    check_lengths(input, weight, shape, epilogue, output)?;
    let columns = shape.columns();
    let per_tile = tile_columns_aligned(shape, rayon::current_num_threads(), GEMM_ROWS);
    let out = SharedMut(output.as_mut_ptr());
    (0..columns.div_ceil(per_tile))
        .into_par_iter()
        .for_each(|t| {
            let (start, end) = (t * per_tile, ((t + 1) * per_tile).min(columns));
            SCRATCH.with_borrow_mut(|scratch| {
                run_tile(input, weight, shape, epilogue, start..end, scratch, out);
            });
        });
    Ok(())
}

/// Computes the columns `range` of the output: im2col (or the input itself for a pointwise
/// convolution within one image), one GEMM, the epilogue.
fn run_tile(
    input: &[f32],
    weight: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    range: std::ops::Range<usize>,
    scratch: &mut Scratch,
    out: SharedMut,
) {
    let n = range.len();
    let (m, depth, pixels) = (shape.out_channels, shape.depth(), shape.out_pixels());
    tile_runs(shape, range.start, range.end, &mut scratch.runs);
    grow(&mut scratch.product, m * n);
    let image = range.start / pixels;
    let (rhs, rhs_rs) = if shape.is_pointwise() && (range.end - 1) / pixels == image {
        let at = image * shape.in_channels * pixels + range.start % pixels;
        (input[at..].as_ptr(), pixels as isize)
    } else {
        grow(&mut scratch.im2col, depth * n);
        fill_tile(
            shape,
            input,
            &scratch.runs,
            n,
            &mut scratch.im2col[..depth * n],
        );
        (scratch.im2col.as_ptr(), n as isize)
    };
    // SAFETY: lhs is `m × depth` (row stride depth), rhs `depth × n` (row stride rhs_rs,
    // inside `input` or the im2col buffer), dst `m × n` (row stride n); all in bounds.
    unsafe {
        gemm(
            m,
            n,
            depth,
            scratch.product.as_mut_ptr(),
            1,
            n as isize,
            false,
            weight.as_ptr(),
            1,
            depth as isize,
            rhs,
            1,
            rhs_rs,
            0.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
        epilogue.write_tile(shape, &scratch.product[..m * n], n, &scratch.runs, out.0);
    }
}

pub(crate) fn check_lengths(
    input: &[f32],
    weight: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    output: &[f32],
) -> Result<(), KernelError> {
    let check = KernelError::check_len;
    check("input", shape.input_len(), input.len())?;
    check("weight", shape.weight_len(), weight.len())?;
    check("output", shape.output_len(), output.len())?;
    if let Some(bias) = epilogue.bias {
        check("bias", shape.out_channels, bias.len())?;
    }
    if let Some(residual) = epilogue.residual {
        check("residual", shape.output_len(), residual.len())?;
    }
    Ok(())
}
