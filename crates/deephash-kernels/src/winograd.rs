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
use crate::winograd_transforms::{Block, LANES, filter, filter_lanes, output_tiles};
use crate::{ConvShape, Epilogue, KernelError};

/// Tiles per chunk (the width of its 16 GEMMs), unless there are too few tiles for every
/// thread: each GEMM packs its `U[ξ]` (`O × C`) again, so narrower chunks pay more for it;
/// wider ones keep `V` and `M` (`16 · (C + O)` values per tile) further from the core.
/// Measured on ResNet-18's layers (Zen 4, 2 threads, CPU time): 128 for up to 128 channels,
/// 256 above (3–8 % less than 128 at 256 and 512 channels).
const CHUNK_TILES: usize = 128;
const WIDE_CHUNK_TILES: usize = 256;
/// Aim for at least this many chunks per thread, so that rayon can balance the load.
pub(crate) const CHUNKS_PER_THREAD: usize = 2;

/// Per-thread working memory, kept between calls so that no chunk allocates.
#[derive(Default)]
struct Scratch {
    v: Vec<f32>,
    m: Vec<f32>,
    runs: Vec<TileRun>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    /// The transformed filters of the calling thread's last call, of either tile size (see
    /// [`with_transformed_filters`]).
    static FILTERS: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Whether [`conv2d_forward_winograd`] computes this convolution: a 3 × 3 kernel, stride 1
/// (any padding; dilation and groups are always 1 in [`ConvShape`]).
pub fn winograd_applies(shape: &ConvShape) -> bool {
    shape.kernel == [3, 3] && shape.stride == [1, 1]
}

/// When Winograd runs, from `DEEPHASH_WINOGRAD` (read once per process): `0` never (so that
/// one binary can compare both paths), `all` for every convolution it applies to whatever the
/// size, by F(4×4, 3×3) (so that the network tests can run their small fixtures through
/// it), `all2` the same by F(2×2, 3×3), `f2` where it measured faster but by F(2×2, 3×3)
/// only (the dispatch before F(4×4, 3×3), to compare in one binary), anything else or unset
/// where it measured faster, by the tile that measured faster.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Measured,
    MeasuredF2,
    All,
    AllF2,
}

fn mode() -> Mode {
    static MODE: OnceLock<Mode> = OnceLock::new();
    *MODE.get_or_init(|| match std::env::var("DEEPHASH_WINOGRAD").as_deref() {
        Ok("0") => Mode::Off,
        Ok("all") => Mode::All,
        Ok("all2") => Mode::AllF2,
        Ok("f2") => Mode::MeasuredF2,
        _ => Mode::Measured,
    })
}

/// The output tile of a Winograd forward convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WinogradTile {
    /// F(2×2, 3×3): [`conv2d_forward_winograd`].
    F2,
    /// F(4×4, 3×3): [`crate::conv2d_forward_winograd_f4`].
    F4,
}

/// Channels (input and output) from which Winograd beats im2col + GEMM: below, the GEMMs are
/// too thin for the transforms to pay (the small CNN's 16–64-channel layers lost 10–45 %).
const MIN_CHANNELS: usize = 64;
/// Below 14 × 14 outputs a row holds few tiles, so most lanes of the transforms' 16-tile
/// blocks idle (4 of 16 at 7 × 7) and the last tiles stick out of odd maps: Winograd only
/// pays there from this many channels (the small CNN's 64-channel 7 × 7 layer lost 40 %,
/// ResNet-18's 512-channel one won 9–17 % at batch 32) and this many tiles (that layer was
/// even by CPU time and lost up to 14 % by wall time at batch 16, 256 tiles).
const MIN_SMALL_MAP_CHANNELS: usize = 256;
const MIN_SMALL_MAP_TILES: usize = 400;
const SMALL_MAP: usize = 14;
/// Tiles from which the forward pays for its per-call filter transform (`16 · O · C` values):
/// ResNet-18's 512-channel 7 × 7 layer lost at batch 4 (64 tiles), won at 16 (256 tiles).
const MIN_FORWARD_TILES: usize = 160;
/// Tiles from which the weight gradient pays for its `16 · O · C` sums per thread and their
/// reduction: 1.3–1.6× from 784 tiles, even at 512 (512 channels, 7 × 7, batch 32), lost
/// at 196–256.
const MIN_WEIGHT_GRADIENT_TILES: usize = 500;

/// Whether `conv2d_forward` (and through it the input gradient of a stride-1 same-size
/// convolution) hands this convolution to a Winograd forward convolution.
pub fn winograd_preferred(shape: &ConvShape) -> bool {
    winograd_choice(shape).is_some()
}

/// Which Winograd forward convolution `conv2d_forward` hands this convolution to, if any:
/// F(4×4, 3×3) where it measured faster than the others ([`f4_worthwhile`]), else
/// F(2×2, 3×3) where that measured faster than im2col ([`worthwhile`]).
pub fn winograd_choice(shape: &ConvShape) -> Option<WinogradTile> {
    match mode() {
        Mode::Off => None,
        Mode::All => winograd_applies(shape).then_some(WinogradTile::F4),
        Mode::AllF2 => winograd_applies(shape).then_some(WinogradTile::F2),
        Mode::MeasuredF2 => worthwhile(shape, MIN_FORWARD_TILES).then_some(WinogradTile::F2),
        Mode::Measured if f4_worthwhile(shape) => Some(WinogradTile::F4),
        Mode::Measured => worthwhile(shape, MIN_FORWARD_TILES).then_some(WinogradTile::F2),
    }
}

/// Whether `conv2d_backward_weight` hands this convolution to the Winograd weight gradient.
pub(crate) fn winograd_weight_gradient_preferred(shape: &ConvShape) -> bool {
    match mode() {
        Mode::Off => false,
        Mode::All | Mode::AllF2 => winograd_applies(shape),
        Mode::Measured | Mode::MeasuredF2 => worthwhile(shape, MIN_WEIGHT_GRADIENT_TILES),
    }
}

/// Where F(4×4, 3×3) measured faster than both im2col + GEMM and F(2×2, 3×3) (Zen 4, 2
/// threads, CPU time, `winograd_f4_layers` example; docs/model.md, "Session 9"): from
/// [`MIN_F4_CHANNELS`] channels in and out and [`MIN_F4_TILES`] 4 × 4 tiles. Its lanes take
/// tiles across rows and images, so small maps need no rule of their own (ResNet-18's
/// 512-channel 7 × 7 layer: 1.2× F(2×2, 3×3) at batch 32, 1.17× im2col at batch 16; the small
/// CNN's 64-channel 7 × 7 layer at batch 80: 1.4× im2col).
fn f4_worthwhile(shape: &ConvShape) -> bool {
    let channels = shape.in_channels.min(shape.out_channels);
    let tiles = shape.batch * shape.out_hw[0].div_ceil(4) * shape.out_hw[1].div_ceil(4);
    winograd_applies(shape) && channels >= MIN_F4_CHANNELS && tiles >= MIN_F4_TILES
}

/// Channels from which F(4×4, 3×3) beats im2col: the small CNN's 32-channel 14 × 14 layer won
/// 1.15×, its 16-to-32-channel one lost (0.84×), 32 to 64 channels at 7 × 7 was even.
const MIN_F4_CHANNELS: usize = 32;
/// Tiles (4 × 4) from which F(4×4, 3×3) pays for its per-call filter transform (`36 · O · C`
/// values): 512 channels at 7 × 7 lost at batch 4 (16 tiles, 0.92× im2col), even at batch
/// 8 (32 tiles), won at 16 (64 tiles, 1.17×); 128 channels at 28 × 28 won at batch 1 (49
/// tiles, 1.16×).
const MIN_F4_TILES: usize = 48;

fn worthwhile(shape: &ConvShape, min_tiles: usize) -> bool {
    let channels = shape.in_channels.min(shape.out_channels);
    let small_map = shape.out_hw[0].min(shape.out_hw[1]) < SMALL_MAP;
    let tiles = TileGrid::new(shape).tiles();
    winograd_applies(shape)
        && channels >= MIN_CHANNELS
        && tiles >= min_tiles
        && (!small_map || (channels >= MIN_SMALL_MAP_CHANNELS && tiles >= MIN_SMALL_MAP_TILES))
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
    let grid = TileGrid::new(shape);
    let tiles = grid.tiles();
    let wide = shape.in_channels + shape.out_channels >= 512;
    let target = if wide { WIDE_CHUNK_TILES } else { CHUNK_TILES };
    let per_chunk = chunk_tiles(target, tiles, rayon::current_num_threads());
    let out = SharedMut(output.as_mut_ptr());
    with_transformed_filters(weight, shape, 16, filters_of, |u| {
        (0..tiles.div_ceil(per_chunk))
            .into_par_iter()
            .for_each(|i| {
                let range = i * per_chunk..((i + 1) * per_chunk).min(tiles);
                SCRATCH.with_borrow_mut(|scratch| {
                    chunk(input, u, shape, epilogue, &grid, range, scratch, out);
                });
            });
    });
    Ok(())
}

/// Tiles per chunk: `target` (each tile size's measured width), fewer (a multiple of 16) when
/// that leaves a thread without [`CHUNKS_PER_THREAD`] chunks. `DEEPHASH_WINOGRAD_TILES` sets it
/// (for measurements). Shared by F(2×2, 3×3) and F(4×4, 3×3).
pub(crate) fn chunk_tiles(target: usize, tiles: usize, threads: usize) -> usize {
    if let Some(n) = chunk_tiles_forced() {
        return n;
    }
    let by_threads = tiles.div_ceil(CHUNKS_PER_THREAD * threads.max(1));
    target.min(by_threads).max(16).next_multiple_of(16)
}

/// Tiles per chunk set by `DEEPHASH_WINOGRAD_TILES` (for measurements), if any.
pub(crate) fn chunk_tiles_forced() -> Option<usize> {
    static FORCED: OnceLock<Option<usize>> = OnceLock::new();
    *FORCED.get_or_init(|| {
        std::env::var("DEEPHASH_WINOGRAD_TILES")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
    })
}

/// Smallest capacity (values) of the kept transformed filters: 32 MiB and a page, above the
/// largest threshold from which glibc's `malloc` maps a block on its own instead of carving
/// it from its heap. The filters live from call to call on the calling thread, the thread
/// that also allocates the network's activations; kept inside that heap (up to 16 MiB at 512
/// channels), they split its free space so that ResNet-50's 49- and 98-MiB activations no
/// longer fit there and were mapped afresh, page faults and zeroing included, on every call
/// (1 GiB more mapped per 4 batches of 32, measured with `strace`). A separate mapping costs
/// only the pages the filters use. (The `deephash` binary itself serves every block from its
/// heap, `M_MMAP_MAX` 0, so that there this is an ordinary heap block and no activation is
/// mapped afresh; the reservation is for library users with glibc's defaults, such as the
/// Python package.)
pub(crate) const SEPARATE_ALLOCATION: usize = (32 << 20) / 4 + 1024;

/// Runs `work` on `U`, the filters of `weight` transformed for a tile of `positions` values
/// (by `filters_of`), in the calling thread's kept buffer ([`FILTERS`], one for both tile
/// sizes): taken out for the call, so that a nested call on the same thread allocates its own,
/// and put back afterwards.
pub(crate) fn with_transformed_filters<R>(
    weight: &[f32],
    shape: &ConvShape,
    positions: usize,
    filters_of: FiltersOf,
    work: impl FnOnce(&[f32]) -> R,
) -> R {
    let mut filters = FILTERS.with_borrow_mut(std::mem::take);
    transform_filters(weight, shape, positions, filters_of, &mut filters);
    let result = work(&filters[..positions * shape.out_channels * shape.in_channels]);
    FILTERS.with_borrow_mut(|f| *f = filters);
    result
}

/// The transformed filters of one output channel (F(2×2)'s or F(4×4)'s `filters_of`), written
/// through the shared pointer into that channel's rows of every position.
pub(crate) type FiltersOf = fn(&[f32], usize, [usize; 2], SharedMut);

/// `U[ξ][o][c] = (G g Gᵀ)[ξ]` for the filter `g = weight[o][c]` and the `positions` values ξ of
/// a transformed tile, into `u` (grown as needed; see [`SEPARATE_ALLOCATION`]), output
/// channels in parallel.
fn transform_filters(
    weight: &[f32],
    shape: &ConvShape,
    positions: usize,
    filters_of: FiltersOf,
    u: &mut Vec<f32>,
) {
    let (outs, ins) = (shape.out_channels, shape.in_channels);
    let len = positions * outs * ins;
    if u.capacity() < len {
        // Only the pages written are ever backed by memory.
        *u = Vec::with_capacity(len.max(SEPARATE_ALLOCATION));
    }
    grow(u, len);
    let dst = SharedMut(u.as_mut_ptr());
    (0..outs)
        .into_par_iter()
        .for_each(|o| filters_of(weight, o, [outs, ins], dst));
}

/// `M[ξ] = U[ξ] × V[ξ]` for the `positions` values ξ of a transformed tile: `U[ξ]` is
/// `O × C` (row stride C), `V[ξ]` `C × n` and `M[ξ]` `O × n` (row stride `stride`), each GEMM on
/// the calling thread (chunks run in parallel). Shared by F(2×2, 3×3) and F(4×4, 3×3).
pub(crate) fn multiply_positions(
    positions: usize,
    u: &[f32],
    v: &[f32],
    m: &mut [f32],
    dims: [usize; 4],
) {
    let [outs, ins, n, stride] = dims;
    assert!(n <= stride, "a chunk's tiles fit its row stride");
    assert!(u.len() >= positions * outs * ins, "U holds every position");
    assert!(
        v.len() >= positions * ins * stride,
        "V holds every position"
    );
    assert!(
        m.len() >= positions * outs * stride,
        "M holds every position"
    );
    for xi in 0..positions {
        // SAFETY: dst `M[ξ]` is `O × n` (row stride `stride`), lhs `U[ξ]` `O × C` (row stride
        // C), rhs `V[ξ]` `C × n` (row stride `stride`); all inside their buffers (checked above).
        unsafe {
            gemm(
                outs,
                n,
                ins,
                m.as_mut_ptr().add(xi * outs * stride),
                1,
                stride as isize,
                false,
                u.as_ptr().add(xi * outs * ins),
                1,
                ins as isize,
                v.as_ptr().add(xi * ins * stride),
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
}

multiversion! {
/// The transformed filters of output channel `o`, [`LANES`] input channels at a time.
fn filters_of(weight: &[f32], o: usize, channels: [usize; 2], dst: SharedMut) {
    let [outs, ins] = channels;
    let row = |xi: usize, c: usize| (xi * outs + o) * ins + c;
    let mut c = 0;
    while c + LANES <= ins {
        let src: &[f32; 9 * LANES] = weight[(o * ins + c) * 9..][..9 * LANES].try_into().unwrap();
        let g: [Block; 9] = std::array::from_fn(|k| std::array::from_fn(|l| src[9 * l + k]));
        for (xi, values) in filter_lanes(&g).iter().enumerate() {
            // SAFETY: in bounds (u holds 16 · O · C values); output channel o is this task's.
            unsafe { dst.slice(row(xi, c)..row(xi, c) + LANES) }.copy_from_slice(values);
        }
        c += LANES;
    }
    for c in c..ins {
        let g: &[f32; 9] = weight[(o * ins + c) * 9..][..9].try_into().unwrap();
        for (xi, value) in filter(g).into_iter().enumerate() {
            // SAFETY: as above.
            unsafe { dst.slice(row(xi, c)..row(xi, c) + 1)[0] = value };
        }
    }
}
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
    multiply_positions(16, u, &scratch.v, &mut scratch.m, [outs, ins, n, stride]);
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
    for o in 0..outs {
        let bias = epilogue.bias.map_or(0.0, |b| b[o]);
        for run in runs {
            let plane = (run.image * outs + o) * ho * wo;
            for b in (0..run.len).step_by(LANES) {
                let col = o * stride + run.column + b;
                let products: [&Block; 16] = std::array::from_fn(|xi| {
                    (&m[xi * matrix + col..][..LANES]).try_into().unwrap()
                });
                let y = output_tiles(products);
                let x0 = 2 * (run.tx + b);
                let width = (2 * (run.len - b).min(LANES)).min(wo - x0);
                for i in 0..2 {
                    let oy = 2 * run.ty + i;
                    if oy >= ho {
                        break;
                    }
                    let row = interleave(&y[2 * i], &y[2 * i + 1], bias);
                    let at = plane + oy * wo + x0;
                    // SAFETY: these pixels lie in the output and belong to this chunk's tiles.
                    let dst = unsafe { out.slice(at..at + width) };
                    // The bias is in `row` already.
                    epilogue.write_span(dst, &row[..width], 0.0, at);
                }
            }
        }
    }
}
}

/// `[a₀ + bias, b₀ + bias, a₁ + bias, b₁ + bias, …]`: the even and odd output columns of a
/// row of tiles, in pixel order.
#[inline(always)]
fn interleave(a: &Block, b: &Block, bias: f32) -> [f32; 2 * LANES] {
    let mut row = [0.0; 2 * LANES];
    for (pair, (x, y)) in row.chunks_exact_mut(2).zip(a.iter().zip(b)) {
        pair[0] = x + bias;
        pair[1] = y + bias;
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(batch: usize, channels: usize, side: usize) -> ConvShape {
        ConvShape::new(
            batch,
            channels,
            [side; 2],
            channels,
            [3, 3],
            [1, 1],
            [(1, 1); 2],
        )
        .unwrap()
    }

    #[test]
    fn the_measured_winners_are_chosen_and_the_losers_not() {
        let forward = |s: &ConvShape| worthwhile(s, MIN_FORWARD_TILES);
        let grad = |s: &ConvShape| worthwhile(s, MIN_WEIGHT_GRADIENT_TILES);
        // ResNet-18 at batch 32: every stride-1 3 x 3 layer, both directions.
        for (c, side) in [(64, 56), (128, 28), (256, 14), (512, 7)] {
            assert!(
                forward(&shape(32, c, side)) && grad(&shape(32, c, side)),
                "{c}@{side}"
            );
        }
        // At batch 16, layer4 (256 tiles) keeps im2col, the others do not.
        assert!(!forward(&shape(16, 512, 7)) && !grad(&shape(16, 512, 7)));
        assert!(forward(&shape(16, 256, 14)) && grad(&shape(16, 256, 14)));
        // The small CNN (batch 80, 16-64 channels): never.
        for (c, side) in [(16, 28), (32, 14), (64, 7)] {
            assert!(
                !forward(&shape(80, c, side)) && !grad(&shape(80, c, side)),
                "{c}@{side}"
            );
        }
        // Few tiles: batch 1 at 14 x 14 (49 tiles); dW needs more tiles than the forward.
        assert!(!forward(&shape(1, 256, 14)));
        assert!(forward(&shape(1, 128, 28)) && !grad(&shape(1, 128, 28)));
        // Not 3 x 3 stride 1.
        let strided = ConvShape::new(32, 64, [56; 2], 64, [3, 3], [2, 2], [(1, 1); 2]).unwrap();
        assert!(!forward(&strided));
    }

    #[test]
    fn f4_takes_the_measured_winners_and_leaves_the_losers() {
        // ResNet-18 at batch 32 and 16 (layer4 included), 128 channels at 28 x 28 from batch 1.
        for batch in [16, 32] {
            for (c, side) in [(64, 56), (128, 28), (256, 14), (512, 7)] {
                assert!(f4_worthwhile(&shape(batch, c, side)), "{c}@{side}");
            }
        }
        assert!(f4_worthwhile(&shape(1, 128, 28)));
        // 512 channels at 7 x 7: not below batch 12 (48 tiles).
        assert!(!f4_worthwhile(&shape(8, 512, 7)) && f4_worthwhile(&shape(12, 512, 7)));
        // The small CNN at batch 80: from 32 channels.
        assert!(!f4_worthwhile(&shape(80, 16, 28)));
        assert!(f4_worthwhile(&shape(80, 32, 14)) && f4_worthwhile(&shape(80, 64, 7)));
        let strided = ConvShape::new(32, 64, [56; 2], 64, [3, 3], [2, 2], [(1, 1); 2]).unwrap();
        assert!(!f4_worthwhile(&strided));
    }
}
