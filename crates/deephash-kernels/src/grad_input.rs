//! The input gradient of a convolution: `dcol [C·kh·kw, n] = Wᵀ × dY_tile [O, n]` per tile of
//! the batch-folded column space, scattered back onto the input by col2im.
//!
//! Tasks own whole images (a group of consecutive images each), so their col2im writes never
//! overlap; tiles inside a task may still span several of its images, which keeps the GEMM
//! wide on small feature maps. A 1 × 1 stride-1 convolution writes the GEMM result straight
//! into the input gradient when a tile lies within one image. A stride-1 convolution whose
//! output has the input's size computes its input gradient as a forward convolution of `dY`
//! with the flipped, transposed weights instead (im2col + GEMM into `dX`, no col2im).

use std::cell::RefCell;
use std::sync::OnceLock;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use crate::buffer::{SharedMut, grow};
use crate::col2im::add_tile;
use crate::output_tile::output_tile;
use crate::tiles::{Run, tile_columns, tile_runs};
use crate::{ConvShape, Epilogue, KernelError, conv2d_forward};

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
    if let Some(transposed) = as_forward_convolution(shape) {
        return by_forward_convolution(weight, grad_output, shape, &transposed, grad_input);
    }
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

/// For a stride-1 convolution whose output has the input's size (not pointwise, which has its
/// own direct GEMM), the geometry of the convolution that computes its input gradient:
/// `dX = conv2d(dY, W')` with `W'[c, o, ky, kx] = W[o, c, kh−1−ky, kw−1−kx]` and padding
/// `k − 1 − p` on each side. `DEEPHASH_GRAD_INPUT_CONV=0` turns this path off.
fn as_forward_convolution(shape: &ConvShape) -> Option<ConvShape> {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    let enabled = *ENABLED
        .get_or_init(|| std::env::var("DEEPHASH_GRAD_INPUT_CONV").map_or(true, |v| v != "0"));
    let [kh, kw] = shape.kernel;
    let same = shape.stride == [1, 1] && shape.out_hw == shape.in_hw && !shape.is_pointwise();
    if !(enabled && same) {
        return None;
    }
    // Bottom/right padding of the forward convolution, from its output size.
    let [ho, wo] = shape.out_hw;
    let [h, w] = shape.in_hw;
    let (pb, pr) = (
        ho + kh - 1 - h - shape.pad_start[0],
        wo + kw - 1 - w - shape.pad_start[1],
    );
    let padding = [
        (kh - 1 - shape.pad_start[0], kh - 1 - pb),
        (kw - 1 - shape.pad_start[1], kw - 1 - pr),
    ];
    ConvShape::new(
        shape.batch,
        shape.out_channels,
        shape.out_hw,
        shape.in_channels,
        shape.kernel,
        [1, 1],
        padding,
    )
    .ok()
    .filter(|t| t.out_hw == shape.in_hw)
}

/// `dX = conv2d(dY, W')` (see [`as_forward_convolution`]): im2col of `dY` and one GEMM per
/// tile, written straight into `grad_input` — no `dcol` buffer, no col2im.
fn by_forward_convolution(
    weight: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    transposed: &ConvShape,
    grad_input: &mut [f32],
) -> Result<(), KernelError> {
    let [kh, kw] = shape.kernel;
    let (o_n, c_n) = (shape.out_channels, shape.in_channels);
    let mut flipped = vec![0.0f32; weight.len()];
    for o in 0..o_n {
        for c in 0..c_n {
            for ky in 0..kh {
                for kx in 0..kw {
                    flipped[((c * o_n + o) * kh + kh - 1 - ky) * kw + kw - 1 - kx] =
                        weight[((o * c_n + c) * kh + ky) * kw + kx];
                }
            }
        }
    }
    conv2d_forward(
        grad_output,
        &flipped,
        transposed,
        &Epilogue::default(),
        grad_input,
    )
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
