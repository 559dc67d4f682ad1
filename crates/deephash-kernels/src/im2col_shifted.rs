//! im2col of a stride-1 convolution whose output rows are as wide as the input's
//! (`Wo == W`: 3 × 3 with padding 1, 5 × 5 with padding 2, …): then a kernel tap reads, for
//! consecutive output pixels of one image, consecutive input pixels shifted by one constant
//! offset `(ky − top) · W + (kx − left)`. So a tile's im2col row is filled per *image segment*
//! (one copy for all its output rows) instead of per output row, and the taps that fall into
//! the left or right padding are zeroed afterwards (one value per row and tap for 3 × 3).
//! On small images (7 × 7, 14 × 14) this replaces many copies of 7–14 values by one.
//!
//! Values read from above or below the image fall outside the plane (or, at a row's ends, onto
//! a column that is zeroed anyway), so clipping the copy to the plane gives the zero padding.

use crate::ConvShape;
use crate::tiles::Run;

/// Whether [`fill_tile`] applies to this convolution.
pub(crate) fn applies(shape: &ConvShape) -> bool {
    shape.stride == [1, 1] && shape.out_hw[1] == shape.in_hw[1]
}

/// Fills `tile` (`depth × columns`, row-major) with the im2col values of `runs`, for a
/// convolution where [`applies`] holds.
pub(crate) fn fill_tile(
    shape: &ConvShape,
    input: &[f32],
    runs: &[Run],
    columns: usize,
    tile: &mut [f32],
) {
    let [h, w] = shape.in_hw;
    let [kh, kw] = shape.kernel;
    let [top, left] = shape.pad_start;
    let (c_in, plane) = (shape.in_channels, h * w);
    let mut rows = tile.chunks_exact_mut(columns);
    for c in 0..c_in {
        for ky in 0..kh {
            for kx in 0..kw {
                let row = rows.next().expect("tile holds depth rows");
                let shift = (ky as isize - top as isize) * w as isize + kx as isize - left as isize;
                for segment in segments(runs) {
                    let src = &input[(segment.image * c_in + c) * plane..][..plane];
                    let dst = &mut row[segment.column..segment.column + segment.len];
                    copy_clipped(dst, src, segment.pixel as isize + shift);
                    zero_padding_columns(dst, segment.pixel % w, w, kx, left);
                }
            }
        }
    }
}

/// `dst[i] = src[at + i]`, zero where that index falls outside `src`.
fn copy_clipped(dst: &mut [f32], src: &[f32], at: isize) {
    let len = dst.len() as isize;
    let lo = (-at).clamp(0, len) as usize;
    let hi = (src.len() as isize - at).clamp(lo as isize, len) as usize;
    dst[..lo].fill(0.0);
    if hi > lo {
        let from = (at + lo as isize) as usize;
        dst[lo..hi].copy_from_slice(&src[from..from + (hi - lo)]);
    }
    dst[hi..].fill(0.0);
}

/// Zeroes the values of tap column `kx` that read left or right of the image: output columns
/// `ox` with `ox + kx − left` outside `0..w`. `dst[0]` is at output column `first`.
fn zero_padding_columns(dst: &mut [f32], first: usize, w: usize, kx: usize, left: usize) {
    let bad = if kx < left {
        0..(left - kx).min(w)
    } else {
        (w + left).saturating_sub(kx).min(w)..w
    };
    for ox in bad {
        let mut i = (ox + w - first) % w;
        while i < dst.len() {
            dst[i] = 0.0;
            i += w;
        }
    }
}

/// Runs of one image that follow each other, merged.
fn segments(runs: &[Run]) -> impl Iterator<Item = Run> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let mut segment = *runs.get(i)?;
        i += 1;
        while let Some(next) = runs.get(i) {
            if next.image != segment.image || next.pixel != segment.pixel + segment.len {
                break;
            }
            segment.len += next.len;
            i += 1;
        }
        Some(segment)
    })
}
