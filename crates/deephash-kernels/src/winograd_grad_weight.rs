//! The weight gradient of a 3 × 3 stride-1 convolution by Winograd's F(3×3, 2×2) (see
//! [`crate::winograd_transforms`]): for every 2 × 2 tile of the output gradient `a` and its
//! 4 × 4 input tile `d`, `dW[o][c] += Gᵀ [(A a Aᵀ) ⊙ (Bᵀ d B)] G`. The output transform is
//! linear, so the sum over tiles (and images) moves inside it:
//! `M[ξ][o][c] = Σ_tiles Ŷ[ξ][o][t] · X̂[ξ][c][t]` — 16 GEMMs `[O × T] × [T × C]` whose inner
//! dimension is the tiles — and `dW[o][c] = Gᵀ M[·][o][c] G` once at the end.
//!
//! The tiles are split into one contiguous range per thread; each walks its range chunk by
//! chunk (transformed input `X̂[ξ][C][chunk]` and output gradient `Ŷ[ξ][O][chunk]` in
//! per-thread buffers) into its own `16 × O × C` accumulator (the first chunk overwrites it); the accumulators are summed in the output transform. The split
//! depends only on the thread count, so the result is the same from run to run.

use std::cell::RefCell;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use crate::buffer::{SharedMut, copy_short, grow};
use crate::simd::multiversion;
use crate::winograd_tiles::{TileGrid, TileRun, chunk_stride, transform_input};
use crate::winograd_transforms::{Block, LANES, ZERO, gradient_tiles, weight_gradient};
use crate::{ConvShape, KernelError, winograd_applies};

/// Tiles per chunk: the GEMMs' inner dimension; each chunk reads and writes the whole
/// accumulator, so chunks are long.
const CHUNK_TILES: usize = 256;
/// At least this many tiles per thread's range.
const MIN_RANGE_TILES: usize = 64;

#[derive(Default)]
struct Scratch {
    x: Vec<f32>,
    y: Vec<f32>,
    runs: Vec<TileRun>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    /// The per-range sums of the calling thread's last call, kept so that the next call does
    /// not fault in fresh pages (taken out during a call: a nested call allocates its own).
    static SUMS: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// The weight gradient `[O, C, 3, 3]` of a convolution [`winograd_applies`] to, from its input
/// `[N, C, H, W]` and output gradient `[N, O, Ho, Wo]`, as `conv2d_backward_weight` computes
/// it. Errors when a buffer's length does not match `shape` or the convolution is not 3 × 3
/// stride 1.
pub fn conv2d_backward_weight_winograd(
    input: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    grad_weight: &mut [f32],
) -> Result<(), KernelError> {
    crate::grad_weight::check_lengths(input, grad_output, shape, grad_weight)?;
    if !winograd_applies(shape) {
        return Err(KernelError::NotWinograd(format!("{shape:?}")));
    }
    let grid = TileGrid::new(shape);
    let tiles = grid.tiles();
    let ranges = rayon::current_num_threads().clamp(1, tiles.div_ceil(MIN_RANGE_TILES));
    let bounds = |i: usize| i * tiles / ranges;
    let size = 16 * shape.out_channels * shape.in_channels;
    // Reused buffers need no zeroing: the first GEMMs of each range overwrite them.
    let mut sums = SUMS.with_borrow_mut(std::mem::take);
    sums.resize_with(ranges, Vec::new);
    sums.par_iter_mut().enumerate().for_each(|(i, sum)| {
        grow(sum, size);
        let range = bounds(i)..bounds(i + 1);
        accumulate(input, grad_output, shape, &grid, range, &mut sum[..size]);
    });
    transform_back(shape, &sums, grad_weight);
    SUMS.with_borrow_mut(|s| *s = sums);
    Ok(())
}

/// Writes the sum over the tiles `range` into `sum` (`M[ξ][o][c]`), chunk by chunk.
fn accumulate(
    input: &[f32],
    grad_output: &[f32],
    shape: &ConvShape,
    grid: &TileGrid,
    range: std::ops::Range<usize>,
    sum: &mut [f32],
) {
    let (ins, outs) = (shape.in_channels, shape.out_channels);
    SCRATCH.with_borrow_mut(|scratch| {
        let mut start = range.start;
        while start < range.end {
            let end = (start + CHUNK_TILES).min(range.end);
            let n = end - start;
            let stride = chunk_stride(n);
            grid.runs(start, end, &mut scratch.runs);
            grow(&mut scratch.x, 16 * ins * stride);
            grow(&mut scratch.y, 16 * outs * stride);
            transform_input(shape, input, &scratch.runs, stride, &mut scratch.x);
            transform_gradient(shape, grad_output, &scratch.runs, stride, &mut scratch.y);
            let first = start == range.start;
            for xi in 0..16 {
                // SAFETY: dst `M[ξ]` is `O × C` (row stride C); lhs `Ŷ[ξ]` `O × n` (row
                // stride `stride`); rhs `X̂[ξ]ᵀ`, `n × C` with element (t, c) at
                // `c · stride + t`; all inside their buffers.
                unsafe {
                    gemm(
                        outs,
                        ins,
                        n,
                        sum.as_mut_ptr().add(xi * outs * ins),
                        1,
                        ins as isize,
                        !first,
                        scratch.y.as_ptr().add(xi * outs * stride),
                        1,
                        stride as isize,
                        scratch.x.as_ptr().add(xi * ins * stride),
                        stride as isize,
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
            start = end;
        }
    });
}

multiversion! {
/// `Ŷ[ξ][o][column] = (A a Aᵀ)[ξ]` for the 2 × 2 output-gradient tile `a` of channel `o` of
/// every tile of `runs` (zero where the tile sticks out of the output); `y` holds 16
/// matrices of `O × stride` values.
fn transform_gradient(
    shape: &ConvShape,
    grad_output: &[f32],
    runs: &[TileRun],
    stride: usize,
    y: &mut [f32],
) {
    let [ho, wo] = shape.out_hw;
    let outs = shape.out_channels;
    let matrix = outs * stride;
    assert!(y.len() >= 16 * matrix, "Ŷ holds 16 matrices");
    for o in 0..outs {
        for run in runs {
            let plane = &grad_output[(run.image * outs + o) * ho * wo..][..ho * wo];
            for b in (0..run.len).step_by(LANES) {
                let mut a = [ZERO; 4];
                gather_gradient(plane, [ho, wo], run.ty, run.tx + b, &mut a);
                let mut t = [ZERO; 16];
                gradient_tiles(&a, &mut t);
                let at = o * stride + run.column + b;
                for (xi, block) in t.iter().enumerate() {
                    let dst: &mut Block = (&mut y[xi * matrix + at..][..LANES]).try_into().unwrap();
                    *dst = *block;
                }
            }
        }
    }
}
}

/// The 2 × 2 tiles of [`LANES`] neighbouring tiles of row `ty` from column `tx`, lane by lane
/// (`a[2 · row + column][lane]`), zero outside the plane `[ho, wo]`.
#[inline(always)]
fn gather_gradient(plane: &[f32], [ho, wo]: [usize; 2], ty: usize, tx: usize, a: &mut [Block; 4]) {
    const SPAN: usize = 2 * LANES;
    let x0 = 2 * tx;
    for i in 0..2 {
        let oy = 2 * ty + i;
        if oy >= ho {
            a[2 * i] = ZERO;
            a[2 * i + 1] = ZERO;
            continue;
        }
        let row = &plane[oy * wo..][..wo];
        let mut padded = [0.0f32; SPAN];
        let src: &[f32; SPAN] = if x0 + SPAN <= wo {
            row[x0..x0 + SPAN].try_into().unwrap()
        } else {
            let len = wo.saturating_sub(x0).min(SPAN);
            copy_short(&mut padded[..len], &row[x0..x0 + len]);
            &padded
        };
        for j in 0..2 {
            a[2 * i + j] = std::array::from_fn(|l| src[2 * l + j]);
        }
    }
}

/// `dW[o][c] = Gᵀ (Σ_ranges M[·][o][c]) G`, one output channel per task.
fn transform_back(shape: &ConvShape, sums: &[Vec<f32>], grad_weight: &mut [f32]) {
    let (outs, ins) = (shape.out_channels, shape.in_channels);
    let dst = SharedMut(grad_weight.as_mut_ptr());
    (0..outs).into_par_iter().for_each(|o| {
        // SAFETY: the 9 · C values of output channel o are this task's only.
        let dw = unsafe { dst.slice(o * ins * 9..(o + 1) * ins * 9) };
        for c in 0..ins {
            let m: [f32; 16] =
                std::array::from_fn(|xi| sums.iter().map(|s| s[(xi * outs + o) * ins + c]).sum());
            dw[c * 9..c * 9 + 9].copy_from_slice(&weight_gradient(&m));
        }
    });
}
