//! A tile of columns of an output-shaped tensor `[N, O, Ho, Wo]` (the output gradient) seen as
//! an `O × columns` matrix for a GEMM: in place when the tile lies within one image (rows are
//! `Ho · Wo` apart), gathered into a buffer when it straddles images.

use crate::ConvShape;
use crate::buffer::grow;
use crate::tiles::Run;

/// Pointer and row stride of the `O × columns` matrix of the tile `start..start + columns`
/// whose runs are `runs`; `buffer` receives the gathered copy when one is needed.
pub(crate) fn output_tile(
    shape: &ConvShape,
    tensor: &[f32],
    start: usize,
    columns: usize,
    runs: &[Run],
    buffer: &mut Vec<f32>,
) -> (*const f32, isize) {
    let (channels, pixels) = (shape.out_channels, shape.out_pixels());
    let image = start / pixels;
    if (start + columns - 1) / pixels == image {
        let at = image * channels * pixels + start % pixels;
        return (tensor[at..].as_ptr(), pixels as isize);
    }
    grow(buffer, channels * columns);
    for o in 0..channels {
        let row = &mut buffer[o * columns..(o + 1) * columns];
        for run in runs {
            let at = (run.image * channels + o) * pixels + run.pixel;
            row[run.column..run.column + run.len].copy_from_slice(&tensor[at..at + run.len]);
        }
    }
    (buffer.as_ptr(), columns as isize)
}
