//! The input gradient of a convolution: `dcol [C·kh·kw, n] = Wᵀ × dY_tile [O, n]` per tile of
//! the batch-folded column space, scattered back onto the input by col2im.
//!
//! Tasks own whole images (a group of consecutive images each), so their col2im writes never
//! overlap; tiles inside a task may still span several of its images, which keeps the GEMM
//! wide on small feature maps. A 1 × 1 stride-1 convolution writes the GEMM result straight
//! into the input gradient when a tile lies within one image.

use std::cell::RefCell;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use crate::buffer::{SharedMut, grow};
use crate::col2im::add_tile;
use crate::output_tile::output_tile;
use crate::tiles::{Run, tile_columns, tile_runs};
use crate::{ConvShape, KernelError};

/// Aim for at least this many image groups per thread, so that rayon can balance the load.
const GROUPS_PER_THREAD: usize = 4;

#[derive(Default)]
struct Scratch {
    columns: Vec<f32>,
    grad_tile: Vec<f32>,
    runs: Vec<Run>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `grad_input = col2im(Wᵀ × dY)`, the gradient of the convolution's input `[N, C, H, W]`,
/// from the weight `[O, C, kh, kw]` and the output gradient `[N, O, Ho, Wo]`. Errors when a
/// buffer's length does not match `shape`.
pub fn conv2d_backward_input(
    weight: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    grad_input: &mut [f32],
) -> Result<(), KernelError> {
    KernelError::check_len("weight", shape.weight_len(), weight.len())?;
    KernelError::check_len("grad_output", shape.output_len(), grad_output.len())?;
    KernelError::check_len("grad_input", shape.input_len(), grad_input.len())?;
    let threads = rayon::current_num_threads();
    let groups = shape.batch.min(GROUPS_PER_THREAD * threads).max(1);
    let per_tile = tile_columns(shape, threads);
    let pixels = shape.out_pixels();
    let image_len = shape.input_len() / shape.batch;
    let out = SharedMut(grad_input.as_mut_ptr());
    (0..groups).into_par_iter().for_each(|g| {
        let images = g * shape.batch / groups..(g + 1) * shape.batch / groups;
        // SAFETY: the images of this group belong to this task only.
        let own = unsafe {
            std::slice::from_raw_parts_mut(
                out.0.add(images.start * image_len),
                images.len() * image_len,
            )
        };
        own.fill(0.0);
        SCRATCH.with_borrow_mut(|scratch| {
            let (mut start, end) = (images.start * pixels, images.end * pixels);
            while start < end {
                let stop = (start + per_tile).min(end);
                tile(weight, grad_output, shape, start..stop, scratch, out);
                start = stop;
            }
        });
    });
    Ok(())
}

/// The input gradient of the columns `range`: one GEMM, then col2im (or the GEMM writes the
/// gradient directly for a pointwise convolution within one image).
fn tile(
    weight: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    range: std::ops::Range<usize>,
    scratch: &mut Scratch,
    out: SharedMut,
) {
    let (n, depth, pixels) = (range.len(), shape.depth(), shape.out_pixels());
    tile_runs(shape, range.start, range.end, &mut scratch.runs);
    let (dy, dy_stride) = output_tile(
        shape,
        grad_output,
        range.start,
        n,
        &scratch.runs,
        &mut scratch.grad_tile,
    );
    let image = range.start / pixels;
    let direct = shape.is_pointwise() && (range.end - 1) / pixels == image;
    let (dst, dst_stride) = if direct {
        let at = image * shape.in_channels * pixels + range.start % pixels;
        // SAFETY: in bounds; these pixels belong to this task.
        (unsafe { out.0.add(at) }, pixels as isize)
    } else {
        grow(&mut scratch.columns, depth * n);
        (scratch.columns.as_mut_ptr(), n as isize)
    };
    // SAFETY: dst is `depth × n` (row stride dst_stride); lhs is Wᵀ, `depth × O` with element
    // (k, o) at `o · depth + k`; rhs the `O × n` output-gradient tile (row stride dy_stride).
    unsafe {
        gemm(
            depth,
            n,
            shape.out_channels,
            dst,
            1,
            dst_stride,
            false,
            weight.as_ptr(),
            depth as isize,
            1,
            dy,
            1,
            dy_stride,
            0.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
        if !direct {
            add_tile(
                shape,
                &scratch.columns[..depth * n],
                &scratch.runs,
                n,
                out.0,
            );
        }
    }
}
