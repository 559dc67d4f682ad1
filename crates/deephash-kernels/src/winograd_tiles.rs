//! The 2 × 2 output tiles of a Winograd convolution and their transformed 4 × 4 input tiles.
//!
//! The output `[N, O, Ho, Wo]` is covered by `N · ⌈Ho/2⌉ · ⌈Wo/2⌉` tiles of 2 × 2 pixels,
//! numbered image by image, row by row (the last row and column of tiles stick out of the
//! output when `Ho` or `Wo` is odd: their extra pixels are computed and never written). A
//! chunk of consecutive tiles is a list of [`TileRun`]s, each on one tile row of one image.
//! Tile `(ty, tx)` reads the input rows `2·ty − pad_top .. +4` and columns
//! `2·tx − pad_left .. +4`, zero outside the input.
//!
//! [`transform_input`] writes the transformed input tiles of a chunk as 16 matrices
//! `V[ξ]` of `C × tiles` (one per position ξ of the 4 × 4 transformed tile), the right-hand
//! sides of the 16 GEMMs; the forward convolution and the weight gradient share it.

use crate::ConvShape;
use crate::buffer::copy_short;
use crate::simd::multiversion;
use crate::winograd_transforms::{Block, LANES, ZERO, input_tiles};

/// The tiles of one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TileGrid {
    /// Images.
    pub batch: usize,
    /// Tile rows per image, `⌈Ho/2⌉`.
    pub rows: usize,
    /// Tiles per row, `⌈Wo/2⌉`.
    pub cols: usize,
}

/// `len` consecutive tiles of tile row `ty` of image `image`, from tile column `tx`; the first
/// is column `column` of its chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TileRun {
    pub image: usize,
    pub ty: usize,
    pub tx: usize,
    pub len: usize,
    pub column: usize,
}

impl TileGrid {
    /// The tiles of `shape`'s output.
    pub(crate) fn new(shape: &ConvShape) -> Self {
        Self {
            batch: shape.batch,
            rows: shape.out_hw[0].div_ceil(2),
            cols: shape.out_hw[1].div_ceil(2),
        }
    }

    /// Tiles in all.
    pub(crate) fn tiles(&self) -> usize {
        self.batch * self.rows * self.cols
    }

    /// The runs of the tiles `start..end`, into `runs` (cleared first).
    pub(crate) fn runs(&self, start: usize, end: usize, runs: &mut Vec<TileRun>) {
        runs.clear();
        let mut t = start;
        while t < end {
            let (row, tx) = (t / self.cols, t % self.cols);
            let len = (self.cols - tx).min(end - t);
            runs.push(TileRun {
                image: row / self.rows,
                ty: row % self.rows,
                tx,
                len,
                column: t - start,
            });
            t += len;
        }
    }
}

/// Row stride of a chunk's `V` and `M` matrices: room for a whole block of [`LANES`] tiles
/// written from the chunk's last column (the surplus lanes are never read), rounded to a
/// multiple of 16 values.
pub(crate) fn chunk_stride(tiles: usize) -> usize {
    (tiles + LANES).next_multiple_of(16)
}

multiversion! {
/// `V[ξ][c][column] = (Bᵀ d B)[ξ]` for the input tile `d` of channel `c` of every tile of
/// `runs`; `v` holds 16 matrices of `C × stride` values (see [`chunk_stride`]).
pub(crate) fn transform_input(
    shape: &ConvShape,
    input: &[f32],
    runs: &[TileRun],
    stride: usize,
    v: &mut [f32],
) {
    let [h, w] = shape.in_hw;
    let channels = shape.in_channels;
    let matrix = channels * stride;
    assert!(v.len() >= 16 * matrix, "V holds 16 matrices");
    for c in 0..channels {
        for run in runs {
            let plane = &input[(run.image * channels + c) * h * w..][..h * w];
            for b in (0..run.len).step_by(LANES) {
                let mut d = [ZERO; 16];
                gather(plane, [h, w], shape.pad_start, run.ty, run.tx + b, &mut d);
                let mut t = [ZERO; 16];
                input_tiles(&d, &mut t);
                let at = c * stride + run.column + b;
                for (xi, block) in t.iter().enumerate() {
                    let dst: &mut Block = (&mut v[xi * matrix + at..][..LANES]).try_into().unwrap();
                    *dst = *block;
                }
            }
        }
    }
}
}

/// Input columns read by [`LANES`] neighbouring tiles.
const SPAN: usize = 2 * LANES + 2;

/// The 4 × 4 input tiles of the [`LANES`] tiles of row `ty` from column `tx`, lane by lane
/// (`d[4 · row + column][lane]`), zero outside the plane `[h, w]`.
#[inline(always)]
fn gather(
    plane: &[f32],
    [h, w]: [usize; 2],
    pad: [usize; 2],
    ty: usize,
    tx: usize,
    d: &mut [Block; 16],
) {
    let x0 = (2 * tx) as isize - pad[1] as isize;
    for r in 0..4 {
        let iy = (2 * ty + r) as isize - pad[0] as isize;
        if iy < 0 || iy >= h as isize {
            d[4 * r..4 * r + 4].fill(ZERO);
            continue;
        }
        let row = &plane[iy as usize * w..][..w];
        let mut padded = [0.0f32; SPAN];
        let src: &[f32; SPAN] = if x0 >= 0 && x0 as usize + SPAN <= w {
            row[x0 as usize..x0 as usize + SPAN].try_into().unwrap()
        } else {
            let lo = x0.min(0).unsigned_abs().min(SPAN);
            let hi = (w as isize - x0).clamp(lo as isize, SPAN as isize) as usize;
            if hi > lo {
                let from = (x0 + lo as isize) as usize;
                copy_short(&mut padded[lo..hi], &row[from..from + hi - lo]);
            }
            &padded
        };
        for k in 0..4 {
            d[4 * r + k] = std::array::from_fn(|l| src[2 * l + k]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_chunk_once_on_one_tile_row_each() {
        let shape = ConvShape::new(3, 2, [7, 5], 4, [3, 3], [1, 1], [(1, 1); 2]).unwrap();
        let grid = TileGrid::new(&shape);
        assert_eq!((grid.rows, grid.cols, grid.tiles()), (4, 3, 36));
        let mut runs = Vec::new();
        grid.runs(5, 31, &mut runs);
        let mut next = 0;
        for run in &runs {
            assert_eq!(run.column, next);
            assert!(run.tx + run.len <= grid.cols, "{run:?}");
            assert_eq!(
                (run.image * grid.rows + run.ty) * grid.cols + run.tx,
                5 + run.column
            );
            next += run.len;
        }
        assert_eq!(next, 26);
    }

    #[test]
    fn gathered_tiles_hold_the_padded_input() {
        let (h, w) = (5, 37);
        let plane: Vec<f32> = (0..h * w).map(|v| v as f32 + 1.0).collect();
        let at = |y: isize, x: isize| {
            if y < 0 || x < 0 || y >= h as isize || x >= w as isize {
                0.0
            } else {
                plane[y as usize * w + x as usize]
            }
        };
        for pad in [0, 1, 2] {
            for (ty, tx) in [(0, 0), (1, 0), (2, 1), (0, 2), (2, 9)] {
                let mut d = [ZERO; 16];
                gather(&plane, [h, w], [pad, pad], ty, tx, &mut d);
                for (i, lanes) in d.iter().enumerate() {
                    let (r, k) = (i / 4, i % 4);
                    for (l, value) in lanes.iter().enumerate() {
                        let y = (2 * ty + r) as isize - pad as isize;
                        let x = (2 * (tx + l) + k) as isize - pad as isize;
                        assert_eq!(*value, at(y, x), "pad {pad} tile {ty},{tx}+{l}");
                    }
                }
            }
        }
    }
}
