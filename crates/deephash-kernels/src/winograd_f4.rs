//! The forward 3 × 3 stride-1 convolution by Winograd's F(4×4, 3×3): 36 multiplications per
//! 4 × 4 output tile and input/output channel pair instead of 144, 2.25× fewer than
//! F(2×2, 3×3) ([`crate::winograd`]), and 2.25 transformed values per output pixel and
//! channel instead of 4, so its transforms also move less memory (see
//! [`crate::winograd_f4_transforms`] for the transforms and their accuracy).
//!
//! The structure follows [`crate::winograd`]: per call the filters are transformed into
//! `U[ξ][O][C]` (ξ = the 36 positions of a transformed tile); the tiles are cut into chunks
//! run in parallel; each chunk transforms its input tiles into `V[ξ][C][tiles]`, multiplies
//! `M[ξ] = U[ξ] × V[ξ]` (36 GEMMs on one thread each) and transforms `M` back to 4 × 4
//! outputs with the bias, residual and activation.
//!
//! What differs is how tiles map to vector lanes. A row of 4 × 4 tiles is short (14 tiles at
//! 56 × 56, 2 at 7 × 7), so the [`LANES`] tiles of a block are simply [`LANES`] consecutive
//! tiles of the chunk, across tile rows and images: every lane works on every map size. Each
//! lane reads its own 6 × 6 window and writes its own 4 × 4 outputs (per-lane loads and
//! stores); the transforms in between run on whole vectors.

use std::cell::RefCell;

use rayon::prelude::*;

use crate::buffer::{SharedMut, grow};
use crate::conv2d::check_lengths;
use crate::simd::multiversion;
use crate::winograd::{
    chunk_tiles, multiply_positions, winograd_applies, with_transformed_filters,
};
use crate::winograd_f4_transforms::{
    POSITIONS, filter, filter_lanes, input_tiles, output_tiles, unroll,
};
use crate::winograd_transforms::{Block, LANES, ZERO};
use crate::{ConvShape, Epilogue, KernelError};

/// Output pixels per tile side.
const TILE: usize = 4;
/// Input pixels per tile side.
const WINDOW: usize = TILE + 2;

/// Tiles per chunk (the width of its 36 GEMMs) unless there are too few tiles for every
/// thread; a 4 × 4 tile holds 4 times the pixels of F(2×2, 3×3)'s, and `V` and `M` hold
/// `36 · (C + O)` values per tile. Measured 32, 64 and 128 on ResNet-18's four layers (Zen 4,
/// 2 threads, CPU time, loaded machine): 64 best or within the noise everywhere, 128 up to
/// 40 % slower on 64–128 channels and at most 4 % faster on 512.
const CHUNK_TILES: usize = 64;

/// Per-thread working memory, kept between calls so that no chunk allocates.
#[derive(Default)]
struct Scratch {
    v: Vec<f32>,
    m: Vec<f32>,
    blocks: Vec<BlockTiles>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `output = act(conv2d(input, weight) + bias + residual)` in NCHW, as `conv2d_forward`,
/// computed with Winograd's F(4×4, 3×3). Errors when a buffer's length does not match
/// `shape` or the convolution is not one [`winograd_applies`] to.
pub fn conv2d_forward_winograd_f4(
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
    let grid = Grid::new(shape);
    let tiles = grid.tiles();
    let per_chunk = chunk_tiles(CHUNK_TILES, tiles, rayon::current_num_threads());
    let out = SharedMut(output.as_mut_ptr());
    with_transformed_filters(weight, shape, POSITIONS, filters_of, |u| {
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

multiversion! {
/// The transformed filters of output channel `o`, `LANES` input channels at a time: their 9
/// taps transposed to one block per tap 4 filters at a time ([`transpose4`]; read lane by lane
/// at stride 9 they compiled to gathers), [`filter_lanes`], 36 block stores (unrolled, see
/// `unroll!`). One filter at a time, 36 scalar stores to 36 rows each took a quarter of the
/// 512-channel 7 × 7 layer's time.
fn filters_of(weight: &[f32], o: usize, channels: [usize; 2], dst: SharedMut) {
    let [outs, ins] = channels;
    let row = |xi: usize, c: usize| (xi * outs + o) * ins + c;
    let mut c = 0;
    while c + LANES <= ins {
        let src: &[f32; 9 * LANES] = weight[(o * ins + c) * 9..][..9 * LANES].try_into().unwrap();
        let mut g = [ZERO; 9];
        for q in 0..LANES / 4 {
            for half in 0..2 {
                let taps = |i: usize| -> &[f32; 4] {
                    src[9 * (4 * q + i) + 4 * half..][..4].try_into().unwrap()
                };
                let columns = transpose4([taps(0), taps(1), taps(2), taps(3)]);
                for (k, column) in columns.iter().enumerate() {
                    g[4 * half + k][4 * q..4 * q + 4].copy_from_slice(column);
                }
            }
            for i in 0..4 {
                g[8][4 * q + i] = src[9 * (4 * q + i) + 8];
            }
        }
        let u = filter_lanes(&g);
        unroll!(xi in [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
            23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
        ] => {
            // SAFETY: in bounds (u holds 36 · O · C values); output channel o is this task's.
            unsafe { dst.slice(row(xi, c)..row(xi, c) + LANES) }.copy_from_slice(&u[xi]);
        });
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

/// The 4 × 4 tiles of one output, numbered image by image, row by row (the last row and
/// column of tiles stick out of the output unless `Ho` and `Wo` are multiples of 4: their
/// extra pixels are computed and never written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Grid {
    batch: usize,
    /// Tile rows per image, `⌈Ho/4⌉`.
    rows: usize,
    /// Tiles per row, `⌈Wo/4⌉`.
    cols: usize,
}

impl Grid {
    fn new(shape: &ConvShape) -> Self {
        Self {
            batch: shape.batch,
            rows: shape.out_hw[0].div_ceil(TILE),
            cols: shape.out_hw[1].div_ceil(TILE),
        }
    }

    fn tiles(&self) -> usize {
        self.batch * self.rows * self.cols
    }

    /// The tiles of the lanes of the block that starts at tile `first`, up to tile `end`.
    fn block(&self, first: usize, end: usize) -> BlockTiles {
        let mut block = BlockTiles {
            image: [0; LANES],
            y: [0; LANES],
            x: [0; LANES],
            lanes: end.saturating_sub(first).min(LANES),
        };
        for l in 0..block.lanes {
            let t = first + l;
            let (row, tx) = (t / self.cols, t % self.cols);
            block.image[l] = row / self.rows;
            block.y[l] = TILE * (row % self.rows);
            block.x[l] = TILE * tx;
        }
        block
    }
}

impl BlockTiles {
    /// Lanes from `l` on whose tiles continue one tile row of one image (at least 1): their
    /// outputs are one span per pixel row. Only the last of them may stick out of the row.
    #[inline(always)]
    fn run(&self, l: usize) -> usize {
        let mut len = 1;
        while l + len < self.lanes
            && self.image[l + len] == self.image[l]
            && self.y[l + len] == self.y[l]
            && self.x[l + len] == self.x[l] + TILE * len
        {
            len += 1;
        }
        len
    }
}

/// The tiles of one block, lane by lane: image and top-left output pixel; lanes from `lanes`
/// on hold no tile (their values are computed from zeros and never written).
#[derive(Debug, Clone, Copy)]
struct BlockTiles {
    image: [usize; LANES],
    y: [usize; LANES],
    x: [usize; LANES],
    lanes: usize,
}

/// Row stride of a chunk's `V` and `M` matrices: whole blocks, rounded to 16 values.
fn chunk_stride(tiles: usize) -> usize {
    tiles.next_multiple_of(LANES).next_multiple_of(16)
}

/// The tiles `range`: input transform, 36 GEMMs, output transform with the epilogue.
#[allow(clippy::too_many_arguments)]
fn chunk(
    input: &[f32],
    u: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    grid: &Grid,
    range: std::ops::Range<usize>,
    scratch: &mut Scratch,
    out: SharedMut,
) {
    let (ins, outs, n) = (shape.in_channels, shape.out_channels, range.len());
    let stride = chunk_stride(n);
    grow(&mut scratch.v, POSITIONS * ins * stride);
    grow(&mut scratch.m, POSITIONS * outs * stride);
    scratch.blocks.clear();
    let blocks = (range.start..range.end).step_by(LANES);
    scratch
        .blocks
        .extend(blocks.map(|first| grid.block(first, range.end)));
    let blocks = &scratch.blocks;
    transform_input(shape, input, blocks, stride, &mut scratch.v);
    multiply_positions(
        POSITIONS,
        u,
        &scratch.v,
        &mut scratch.m,
        [outs, ins, n, stride],
    );
    write_output(shape, epilogue, &scratch.m, blocks, stride, out);
}

multiversion! {
/// `V[ξ][c][column] = (Bᵀ d B)[ξ]` for the 6 × 6 input window `d` of channel `c` of every
/// tile of `blocks` (block `b` holds the columns `16 · b ..`); `v` holds 36 matrices of
/// `C × stride` values.
fn transform_input(
    shape: &ConvShape,
    input: &[f32],
    blocks: &[BlockTiles],
    stride: usize,
    v: &mut [f32],
) {
    let channels = shape.in_channels;
    let matrix = channels * stride;
    assert!(v.len() >= POSITIONS * matrix, "V holds 36 matrices");
    for (b, block) in blocks.iter().enumerate() {
        let windows = Windows::new(shape, block);
        // Every lane of `d` is written for every channel.
        let mut d = [ZERO; POSITIONS];
        for c in 0..channels {
            windows.gather(input, c, &mut d);
            let mut t = [ZERO; POSITIONS];
            input_tiles(&d, &mut t);
            let at = c * stride + b * LANES;
            // Unrolled: see `unroll!`.
            unroll!(xi in [
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
            ] => {
                let dst: &mut Block = (&mut v[xi * matrix + at..][..LANES]).try_into().unwrap();
                *dst = t[xi];
            });
        }
    }
}
}

/// Where each lane of a block reads its 6 × 6 input window.
struct Windows {
    /// Offset of the window's top-left pixel in channel 0 of its image (when `inside`).
    start: [usize; LANES],
    /// Top-left pixel of the window in the input, padding included (may be negative).
    y: [isize; LANES],
    x: [isize; LANES],
    /// Whether the window lies inside the input.
    inside: [bool; LANES],
    lanes: usize,
    /// Input height and width, values per channel plane and per image.
    hw: [usize; 2],
    plane: usize,
    image: usize,
}

impl Windows {
    #[inline(always)]
    fn new(shape: &ConvShape, block: &BlockTiles) -> Self {
        let [h, w] = shape.in_hw;
        let plane = h * w;
        let mut windows = Self {
            start: [0; LANES],
            y: [0; LANES],
            x: [0; LANES],
            inside: [false; LANES],
            lanes: block.lanes,
            hw: [h, w],
            plane,
            image: shape.in_channels * plane,
        };
        for l in 0..block.lanes {
            let y = block.y[l] as isize - shape.pad_start[0] as isize;
            let x = block.x[l] as isize - shape.pad_start[1] as isize;
            windows.y[l] = y;
            windows.x[l] = x;
            windows.inside[l] =
                y >= 0 && x >= 0 && y as usize + WINDOW <= h && x as usize + WINDOW <= w;
            windows.start[l] = block.image[l] * windows.image;
            if windows.inside[l] {
                windows.start[l] += y as usize * w + x as usize;
            }
        }
        windows
    }

    /// The windows of channel `c`, lane by lane (`d[6 · row + column][lane]`), zero outside
    /// the input and in the lanes without a tile.
    ///
    /// A lane's window row is 6 contiguous values but `d` wants each column across lanes: a
    /// transposition, done 4 lanes at a time on 128-bit vectors ([`transpose_window_rows`]).
    /// (Written as plain loops over the lanes, it compiled to AVX-512 gather and scatter
    /// instructions, 3–5 times slower in all.)
    #[inline(always)]
    fn gather(&self, input: &[f32], c: usize, d: &mut [Block; POSITIONS]) {
        const NONE: [f32; WINDOW] = [0.0; WINDOW];
        let [h, w] = self.hw;
        for q in 0..LANES / 4 {
            let lanes = 4 * q..4 * q + 4;
            // Border lanes: their rows with the padding's zeros.
            let mut padded = [[[0.0f32; WINDOW]; WINDOW]; 4];
            for (i, l) in lanes.clone().enumerate() {
                if l < self.lanes && !self.inside[l] {
                    let plane = &input[self.start[l] + c * self.plane..][..h * w];
                    self.pad(plane, l, &mut padded[i]);
                }
            }
            for r in 0..WINDOW {
                let row = |i: usize| -> &[f32; WINDOW] {
                    let l = 4 * q + i;
                    if l >= self.lanes {
                        &NONE
                    } else if self.inside[l] {
                        let at = self.start[l] + c * self.plane + r * w;
                        input[at..at + WINDOW].try_into().unwrap()
                    } else {
                        &padded[i][r]
                    }
                };
                let rows = [row(0), row(1), row(2), row(3)];
                let columns = transpose_window_rows(rows);
                for (k, column) in columns.iter().enumerate() {
                    d[WINDOW * r + k][lanes.clone()].copy_from_slice(column);
                }
            }
        }
    }

    /// The window of border lane `l` in `plane`, zero outside it.
    #[inline(always)]
    fn pad(&self, plane: &[f32], l: usize, window: &mut [[f32; WINDOW]; WINDOW]) {
        let [h, w] = self.hw;
        let x = self.x[l];
        let lo = x.min(0).unsigned_abs().min(WINDOW);
        let hi = (w as isize - x).clamp(lo as isize, WINDOW as isize) as usize;
        for (r, row) in window.iter_mut().enumerate() {
            let iy = self.y[l] + r as isize;
            if iy >= 0 && iy < h as isize && hi > lo {
                let from = iy as usize * w + (x + lo as isize) as usize;
                row[lo..hi].copy_from_slice(&plane[from..from + hi - lo]);
            }
        }
    }
}

/// Four lanes' window rows (6 values each) to the 6 columns of 4 lanes: `out[k][i] =
/// rows[i][k]`. On x86-64 with 128-bit vectors (SSE2, which every x86-64 CPU has, VEX-encoded
/// in the AVX2 and AVX-512 versions): the 4 × 4 transposition of the first 4 columns and the
/// interleaving of the last 2.
#[inline(always)]
fn transpose_window_rows(rows: [&[f32; WINDOW]; 4]) -> [[f32; 4]; WINDOW] {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        let mut out = [[0.0f32; 4]; WINDOW];
        // SAFETY: SSE2 is part of x86-64; every load reads inside a row of 6 values (4 from
        // its start, 2 from its fifth), every store writes one `[f32; 4]`.
        unsafe {
            let [a, b, c, d] = rows.map(|r| _mm_loadu_ps(r.as_ptr()));
            let (ab_lo, cd_lo) = (_mm_unpacklo_ps(a, b), _mm_unpacklo_ps(c, d));
            let (ab_hi, cd_hi) = (_mm_unpackhi_ps(a, b), _mm_unpackhi_ps(c, d));
            let [ea, eb, ec, ed] =
                rows.map(|r| _mm_castpd_ps(_mm_load_sd(r.as_ptr().add(TILE).cast())));
            let (ab_e, cd_e) = (_mm_unpacklo_ps(ea, eb), _mm_unpacklo_ps(ec, ed));
            let columns = [
                _mm_movelh_ps(ab_lo, cd_lo),
                _mm_movehl_ps(cd_lo, ab_lo),
                _mm_movelh_ps(ab_hi, cd_hi),
                _mm_movehl_ps(cd_hi, ab_hi),
                _mm_movelh_ps(ab_e, cd_e),
                _mm_movehl_ps(cd_e, ab_e),
            ];
            for (o, column) in out.iter_mut().zip(columns) {
                _mm_storeu_ps(o.as_mut_ptr(), column);
            }
        }
        out
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::array::from_fn(|k| std::array::from_fn(|i| rows[i][k]))
    }
}

/// Four values of 4 lanes to each lane's 4 values: `out[i][j] = values[j][i]` (the output
/// tiles' rows back to pixel order), as in [`transpose_window_rows`].
#[inline(always)]
fn transpose4(values: [&[f32; 4]; 4]) -> [[f32; 4]; 4] {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        let mut out = [[0.0f32; 4]; 4];
        // SAFETY: SSE2 is part of x86-64; every load and store covers one `[f32; 4]`.
        unsafe {
            let [a, b, c, d] = values.map(|v| _mm_loadu_ps(v.as_ptr()));
            let (ab_lo, cd_lo) = (_mm_unpacklo_ps(a, b), _mm_unpacklo_ps(c, d));
            let (ab_hi, cd_hi) = (_mm_unpackhi_ps(a, b), _mm_unpackhi_ps(c, d));
            let rows = [
                _mm_movelh_ps(ab_lo, cd_lo),
                _mm_movehl_ps(cd_lo, ab_lo),
                _mm_movelh_ps(ab_hi, cd_hi),
                _mm_movehl_ps(cd_hi, ab_hi),
            ];
            for (o, row) in out.iter_mut().zip(rows) {
                _mm_storeu_ps(o.as_mut_ptr(), row);
            }
        }
        out
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::array::from_fn(|i| std::array::from_fn(|j| values[j][i]))
    }
}

multiversion! {
/// `Aᵀ M A` of every tile of `blocks` and output channel, plus bias and residual, through
/// the activation, into the output pixels the tile covers.
fn write_output(
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    m: &[f32],
    blocks: &[BlockTiles],
    stride: usize,
    out: SharedMut,
) {
    let outs = shape.out_channels;
    let [ho, wo] = shape.out_hw;
    let matrix = outs * stride;
    for (b, block) in blocks.iter().enumerate() {
        for o in 0..outs {
            let bias = epilogue.bias.map_or(0.0, |bias| bias[o]);
            let col = o * stride + b * LANES;
            let mut products = [&ZERO; POSITIONS];
            unroll!(xi in [
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
            ] => {
                products[xi] = (&m[xi * matrix + col..][..LANES]).try_into().unwrap();
            });
            let mut y = [ZERO; 16];
            output_tiles(products, &mut y);
            // Row i of every lane's tile, lane after lane (4 lanes at a time, see
            // `transpose4`).
            let mut rows = [[0.0f32; TILE * LANES]; TILE];
            for (i, row) in rows.iter_mut().enumerate() {
                for q in 0..LANES / 4 {
                    let lanes = 4 * q..4 * q + 4;
                    let at = |j: usize| -> &[f32; 4] {
                        y[TILE * i + j][lanes.clone()].try_into().unwrap()
                    };
                    let values = [at(0), at(1), at(2), at(3)];
                    for (p, pixels) in transpose4(values).iter().enumerate() {
                        row[TILE * (4 * q + p)..][..TILE].copy_from_slice(pixels);
                    }
                }
            }
            let mut l = 0;
            while l < block.lanes {
                let len = block.run(l);
                let plane = (block.image[l] * outs + o) * ho * wo;
                let (y0, x0) = (block.y[l], block.x[l]);
                let width = (TILE * len).min(wo - x0);
                for (i, row) in rows.iter().enumerate().take(TILE.min(ho - y0)) {
                    let at = plane + (y0 + i) * wo + x0;
                    // SAFETY: these pixels lie in the output and belong to this chunk's tiles.
                    let dst = unsafe { out.slice(at..at + width) };
                    epilogue.write_span(dst, &row[TILE * l..][..width], bias, at);
                }
                l += len;
            }
        }
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_hold_consecutive_tiles_across_rows_and_images() {
        let shape = ConvShape::new(3, 2, [7, 5], 4, [3, 3], [1, 1], [(1, 1); 2]).unwrap();
        let grid = Grid::new(&shape);
        assert_eq!((grid.rows, grid.cols, grid.tiles()), (2, 2, 12));
        let block = grid.block(3, 12);
        assert_eq!(block.lanes, 9);
        // Tile 3: image 0, row 1, column 1; tile 4: image 1, row 0, column 0.
        assert_eq!((block.image[0], block.y[0], block.x[0]), (0, 4, 4));
        assert_eq!((block.image[1], block.y[1], block.x[1]), (1, 0, 0));
        assert_eq!((block.image[8], block.y[8], block.x[8]), (2, 4, 4));
        assert_eq!(grid.block(12, 12).lanes, 0);
    }
}
