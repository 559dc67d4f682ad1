//! im2col for one tile: row `k = (c, ky, kx)` of the tile holds, for each of its columns (an
//! output pixel of some image), the input value that kernel tap `k` reads there (zero in the
//! padding).

use crate::ConvShape;
use crate::buffer::copy_short;
use crate::simd::multiversion;
use crate::tiles::Run;

multiversion! {
/// Fills `tile` (`depth × columns`, row-major) with the im2col values of `runs`.
pub(crate) fn fill_tile(
    shape: &ConvShape,
    input: &[f32],
    runs: &[Run],
    columns: usize,
    tile: &mut [f32],
) {
    if crate::im2col_shifted::applies(shape) {
        return crate::im2col_shifted::fill_tile(shape, input, runs, columns, tile);
    }
    let [h, w] = shape.in_hw;
    let [kh, kw] = shape.kernel;
    let c_in = shape.in_channels;
    let mut rows = tile.chunks_exact_mut(columns);
    for c in 0..c_in {
        for ky in 0..kh {
            for kx in 0..kw {
                let row = rows.next().expect("tile holds depth rows");
                for run in runs {
                    let plane = &input[(run.image * c_in + c) * h * w..][..h * w];
                    let (oy, ox) = (run.out_y, run.out_x);
                    let dst = &mut row[run.column..run.column + run.len];
                    let iy = (oy * shape.stride[0] + ky) as isize - shape.pad_start[0] as isize;
                    if iy < 0 || iy >= h as isize {
                        dst.fill(0.0);
                        continue;
                    }
                    let src = &plane[iy as usize * w..][..w];
                    let x0 = (ox * shape.stride[1] + kx) as isize - shape.pad_start[1] as isize;
                    fill_strided(dst, src, x0, shape.stride[1]);
                }
            }
        }
    }
}
}

/// `dst[i] = src[x0 + i · step]`, zero where that index falls outside `src`.
#[inline(always)]
fn fill_strided(dst: &mut [f32], src: &[f32], x0: isize, step: usize) {
    let (len, w) = (dst.len(), src.len() as isize);
    let lo = if x0 < 0 {
        (x0.unsigned_abs()).div_ceil(step)
    } else {
        0
    }
    .min(len);
    let hi = if x0 >= w {
        0
    } else {
        ((w - x0) as usize).div_ceil(step)
    }
    .clamp(lo, len);
    dst[..lo].fill(0.0);
    dst[hi..].fill(0.0);
    if hi == lo {
        return;
    }
    let first = x0 + (lo * step) as isize;
    if step == 1 {
        copy_short(
            &mut dst[lo..hi],
            &src[first as usize..first as usize + (hi - lo)],
        );
    } else {
        for (i, d) in dst[lo..hi].iter_mut().enumerate() {
            *d = src[first as usize + i * step];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fill_strided;

    fn reference(len: usize, src: &[f32], x0: isize, step: usize) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let x = x0 + (i * step) as isize;
                if x >= 0 && x < src.len() as isize {
                    src[x as usize]
                } else {
                    0.0
                }
            })
            .collect()
    }

    #[test]
    fn strided_fill_matches_the_definition_at_every_offset() {
        let src: Vec<f32> = (1..=7).map(|v| v as f32).collect();
        for step in 1..=3 {
            for x0 in -5..10 {
                for len in 0..9 {
                    let mut dst = vec![f32::NAN; len];
                    fill_strided(&mut dst, &src, x0, step);
                    assert_eq!(
                        dst,
                        reference(len, &src, x0, step),
                        "x0 {x0} step {step} len {len}"
                    );
                }
            }
        }
    }
}
