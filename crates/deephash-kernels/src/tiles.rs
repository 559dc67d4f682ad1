//! How the batch-folded column space `N · Ho · Wo` is cut into tiles, and each tile into runs
//! of consecutive output pixels on one output row of one image.

use crate::ConvShape;

/// Bytes of im2col tile a thread should keep in its cache (about half of a Zen 4 / Skylake-SP L2).
const TILE_BYTES: usize = 512 * 1024;
/// Tiles are a multiple of this many columns (the widest GEMM microkernel's width).
const COLUMN_ALIGN: usize = 16;
/// Aim for at least this many tiles per thread, so that rayon can balance the load.
const TILES_PER_THREAD: usize = 4;

/// Rows of the widest f32 GEMM microkernel: `gemm`'s AVX-512 kernel covers 4 × 16 rows of its
/// destination (its AVX2 kernel 2 × 8, a divisor). The forward's tile columns are those rows
/// (`gemm` computes the transposed product), so a tile of a multiple of 64 columns runs no
/// narrower edge kernel (a tile of 32 columns, as layer4 of ResNet-18 had, runs only the
/// half-width one).
pub(crate) const GEMM_ROWS: usize = 64;

/// Columns per tile: the im2col tile (`depth × columns`) fits [`TILE_BYTES`], yet there are
/// enough tiles for every thread.
pub(crate) fn tile_columns(shape: &ConvShape, threads: usize) -> usize {
    tile_columns_aligned(shape, threads, COLUMN_ALIGN)
}

/// [`tile_columns`] rounded up to a multiple of `align` instead.
pub(crate) fn tile_columns_aligned(shape: &ConvShape, threads: usize, align: usize) -> usize {
    let by_cache = TILE_BYTES / (4 * shape.depth());
    let by_threads = shape.columns().div_ceil(TILES_PER_THREAD * threads.max(1));
    let columns = by_cache.min(by_threads).max(align);
    columns.div_ceil(align) * align
}

/// A run of `len` output pixels of image `image`, starting at output pixel `pixel`
/// (`oy · Wo + ox`), all on one output row, stored at column `column` of its tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub image: usize,
    pub pixel: usize,
    pub len: usize,
    pub column: usize,
    /// `pixel`'s output row and column (`pixel / Wo`, `pixel % Wo`), computed once per tile
    /// rather than in im2col's and col2im's inner loops.
    pub out_y: usize,
    pub out_x: usize,
}

/// The runs of the tile holding columns `start..end` of the column space, written into `runs`
/// (cleared first; its capacity is reused from tile to tile).
pub(crate) fn tile_runs(shape: &ConvShape, start: usize, end: usize, runs: &mut Vec<Run>) {
    runs.clear();
    let (pixels, width) = (shape.out_pixels(), shape.out_hw[1]);
    let mut j = start;
    while j < end {
        let (image, pixel) = (j / pixels, j % pixels);
        let len = (width - pixel % width).min(end - j);
        runs.push(Run {
            image,
            pixel,
            len,
            column: j - start,
            out_y: pixel / width,
            out_x: pixel % width,
        });
        j += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(batch: usize, side: usize, channels: usize) -> ConvShape {
        ConvShape::new(
            batch,
            channels,
            [side, side],
            8,
            [3, 3],
            [1, 1],
            [(1, 1), (1, 1)],
        )
        .unwrap()
    }

    #[test]
    fn runs_cover_the_tile_once_and_stay_on_one_row() {
        let s = shape(3, 5, 2);
        let mut runs = Vec::new();
        tile_runs(&s, 7, 61, &mut runs);
        let mut next = 0;
        for run in &runs {
            assert_eq!(run.column, next);
            assert!(run.pixel % 5 + run.len <= 5, "{run:?} crosses a row");
            assert_eq!(run.image * 25 + run.pixel, 7 + run.column);
            assert_eq!(run.out_y * 5 + run.out_x, run.pixel);
            next += run.len;
        }
        assert_eq!(next, 54);
    }

    #[test]
    fn tiles_are_aligned_and_shared_among_threads() {
        let s = shape(32, 56, 64);
        let columns = tile_columns(&s, 2);
        assert_eq!(columns % COLUMN_ALIGN, 0);
        assert!(columns * 4 * s.depth() <= TILE_BYTES + COLUMN_ALIGN * 4 * s.depth());
        assert!(s.columns().div_ceil(columns) >= 2 * TILES_PER_THREAD);
        // A tiny problem still gets one aligned tile.
        assert_eq!(tile_columns(&shape(1, 2, 1), 2), COLUMN_ALIGN);
        // ResNet-18's layer4 at batch 32: whole microkernels (it was 32 columns).
        let layer4 = ConvShape::new(32, 512, [7, 7], 512, [3, 3], [1, 1], [(1, 1); 2]).unwrap();
        assert_eq!(tile_columns_aligned(&layer4, 2, GEMM_ROWS), GEMM_ROWS);
    }
}
