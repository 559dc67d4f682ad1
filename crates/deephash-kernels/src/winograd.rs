//! The forward 3 × 3 stride-1 convolution by Winograd's F(2×2, 3×3): 16 multiplications per
//! 2 × 2 output tile and input/output channel pair instead of 36 (see
//! [`crate::winograd_transforms`]).
//!
//! Per call the filters are transformed once into `U[ξ][O][C]` (ξ = the 16 positions of a
//! transformed tile). The tiles ([`crate::winograd_tiles`]) are cut into chunks that run in
//! parallel with rayon; each chunk transforms its input tiles into a per-thread
//! `V[ξ][C][tiles]`, multiplies `M[ξ] = U[ξ] × V[ξ]` (16 GEMMs on one thread each), and
//! transforms `M` back to 2 × 2 outputs, adding the bias and residual and applying the
//! activation as it writes them to the NCHW output.

use std::cell::RefCell;
use std::sync::OnceLock;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use crate::buffer::{SharedMut, grow};
use crate::conv2d::check_lengths;
use crate::simd::multiversion;
use crate::winograd_tiles::{TileGrid, TileRun, chunk_stride, transform_input};
use crate::winograd_transforms::{Block, LANES, filter, output_tiles};
use crate::{ConvShape, Epilogue, KernelError};

/// Bytes of `V` and `M` a chunk aims for (they are written and read once per chunk; L2 is
/// 1 MiB per core on Zen 4, 1–2 MiB on recent Xeons).
const CHUNK_BYTES: usize = 1024 * 1024;
/// Tiles per chunk at least (the width of the 16 GEMMs) and at most.
const MIN_CHUNK_TILES: usize = 32;
const MAX_CHUNK_TILES: usize = 256;
/// Aim for at least this many chunks per thread, so that rayon can balance the load.
const CHUNKS_PER_THREAD: usize = 2;

/// Per-thread working memory, kept between calls so that no chunk allocates.
#[derive(Default)]
struct Scratch {
    v: Vec<f32>,
    m: Vec<f32>,
    runs: Vec<TileRun>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    /// The transformed filters of the calling thread's last call (taken out during a call, so
    /// that a nested call on the same thread allocates its own).
    static FILTERS: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Whether [`conv2d_forward_winograd`] computes this convolution: a 3 × 3 kernel, stride 1
/// (any padding; dilation and groups are always 1 in [`ConvShape`]).
pub fn winograd_applies(shape: &ConvShape) -> bool {
    shape.kernel == [3, 3] && shape.stride == [1, 1]
}

/// Whether `conv2d_forward` hands this convolution to [`conv2d_forward_winograd`]: it
/// applies, `DEEPHASH_WINOGRAD=0` is not set (read once), and the channels are many enough
/// for the transforms to cost little beside the 16 GEMMs.
pub(crate) fn winograd_preferred(shape: &ConvShape) -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    let enabled =
        *ENABLED.get_or_init(|| std::env::var("DEEPHASH_WINOGRAD").map_or(true, |v| v != "0"));
    enabled && winograd_applies(shape) && shape.in_channels >= 16 && shape.out_channels >= 16
}

/// `output = act(conv2d(input, weight) + bias + residual)` in NCHW, as `conv2d_forward`,
/// computed with Winograd's F(2×2, 3×3). Errors when a buffer's length does not match
/// `shape` or the convolution is not one [`winograd_applies`] to.
pub fn conv2d_forward_winograd(
    input: &[f32],
    weight: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    output: &mut [f32],
) -> Result<(), KernelError> {
    check_lengths(input, weight, shape, epilogue, output)?;
    if !winograd_applies(shape) {
        return Err(KernelError::NotWinograd(format!("{shape:?}")));
    }
    let mut filters = FILTERS.with_borrow_mut(std::mem::take);
    transform_filters(weight, shape, &mut filters);
    let grid = TileGrid::new(shape);
    let tiles = grid.tiles();
    let per_chunk = chunk_tiles(shape, tiles, rayon::current_num_threads());
    let out = SharedMut(output.as_mut_ptr());
    let u = &filters[..16 * shape.out_channels * shape.in_channels];
    (0..tiles.div_ceil(per_chunk))
        .into_par_iter()
        .for_each(|i| {
            let range = i * per_chunk..((i + 1) * per_chunk).min(tiles);
            SCRATCH.with_borrow_mut(|scratch| {
                chunk(input, u, shape, epilogue, &grid, range, scratch, out);
            });
        });
    FILTERS.with_borrow_mut(|f| *f = filters);
    Ok(())
}

/// Tiles per chunk: `V` and `M` (`16 · (C + O)` values per tile) within [`CHUNK_BYTES`],
/// between [`MIN_CHUNK_TILES`] and [`MAX_CHUNK_TILES`], a multiple of 16, yet enough chunks
/// for every thread. `DEEPHASH_WINOGRAD_TILES` sets it (for measurements).
fn chunk_tiles(shape: &ConvShape, tiles: usize, threads: usize) -> usize {
    static FORCED: OnceLock<Option<usize>> = OnceLock::new();
    let forced = *FORCED.get_or_init(|| {
        std::env::var("DEEPHASH_WINOGRAD_TILES")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(n) = forced.filter(|&n| n > 0) {
        return n;
    }
    let per_tile = 16 * 4 * (shape.in_channels + shape.out_channels);
    let by_cache = (CHUNK_BYTES / per_tile).clamp(MIN_CHUNK_TILES, MAX_CHUNK_TILES);
    let by_threads = tiles.div_ceil(CHUNKS_PER_THREAD * threads.max(1));
    by_cache.min(by_threads).max(16).next_multiple_of(16)
}

/// `U[ξ][o][c] = (G g Gᵀ)[ξ]` for the filter `g = weight[o][c]`, into `u` (grown as needed).
fn transform_filters(weight: &[f32], shape: &ConvShape, u: &mut Vec<f32>) {
    let (outs, ins) = (shape.out_channels, shape.in_channels);
    grow(u, 16 * outs * ins);
    let dst = SharedMut(u.as_mut_ptr());
    (0..outs).into_par_iter().for_each(|o| {
        let dst = dst;
        for c in 0..ins {
            let g: &[f32; 9] = weight[(o * ins + c) * 9..][..9].try_into().unwrap();
            for (xi, value) in filter(g).into_iter().enumerate() {
                // SAFETY: in bounds (u holds 16 · O · C values); each o is one task's.
                unsafe { *dst.0.add((xi * outs + o) * ins + c) = value };
            }
        }
    });
}

/// The tiles `range`: input transform, 16 GEMMs, output transform with the epilogue.
#[allow(clippy::too_many_arguments)]
fn chunk(
    input: &[f32],
    u: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    grid: &TileGrid,
    range: std::ops::Range<usize>,
    scratch: &mut Scratch,
    out: SharedMut,
) {
    let (ins, outs, n) = (shape.in_channels, shape.out_channels, range.len());
    let stride = chunk_stride(n);
    grid.runs(range.start, range.end, &mut scratch.runs);
    grow(&mut scratch.v, 16 * ins * stride);
    grow(&mut scratch.m, 16 * outs * stride);
    transform_input(shape, input, &scratch.runs, stride, &mut scratch.v);
    for xi in 0..16 {
        // SAFETY: dst `M[ξ]` is `O × n` (row stride `stride`), lhs `U[ξ]` `O × C` (row stride
        // C), rhs `V[ξ]` `C × n` (row stride `stride`); all inside their buffers.
        unsafe {
            gemm(
                outs,
                n,
                ins,
                scratch.m.as_mut_ptr().add(xi * outs * stride),
                1,
                stride as isize,
                false,
                u.as_ptr().add(xi * outs * ins),
                1,
                ins as isize,
                scratch.v.as_ptr().add(xi * ins * stride),
                1,
                stride as isize,
                0.0,
                1.0,
                false,
                false,
                false,
                Parallelism::None,
            );
        }
    }
    write_output(shape, epilogue, &scratch.m, &scratch.runs, stride, out);
}

multiversion! {
/// `Aᵀ M A` of every tile of `runs` and output channel, plus bias and residual, through the
/// activation, into the output pixels the tile covers.
fn write_output(
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    m: &[f32],
    runs: &[TileRun],
    stride: usize,
    out: SharedMut,
) {
    let outs = shape.out_channels;
    let [ho, wo] = shape.out_hw;
    let matrix = outs * stride;
    let act = epilogue.activation;
    for o in 0..outs {
        let bias = epilogue.bias.map_or(0.0, |b| b[o]);
        for run in runs {
            let plane = (run.image * outs + o) * ho * wo;
            for b in (0..run.len).step_by(LANES) {
                let col = o * stride + run.column + b;
                let products: [Block; 16] = std::array::from_fn(|xi| {
                    m[xi * matrix + col..][..LANES].try_into().unwrap()
                });
                let y = output_tiles(&products);
                let x0 = 2 * (run.tx + b);
                let width = (2 * (run.len - b).min(LANES)).min(wo - x0);
                for i in 0..2 {
                    let oy = 2 * run.ty + i;
                    if oy >= ho {
                        break;
                    }
                    let row: [f32; 2 * LANES] = std::array::from_fn(|x| y[2 * i + x % 2][x / 2] + bias);
                    let at = plane + oy * wo + x0;
                    // SAFETY: these pixels lie in the output and belong to this chunk's tiles.
                    let dst = unsafe { out.slice(at..at + width) };
                    match epilogue.residual {
                        Some(res) => {
                            for ((d, s), r) in dst.iter_mut().zip(&row).zip(&res[at..at + width]) {
                                *d = act.apply(s + r);
                            }
                        }
                        None => {
                            for (d, s) in dst.iter_mut().zip(&row) {
                                *d = act.apply(*s);
                            }
                        }
                    }
                }
            }
        }
    }
}
}
