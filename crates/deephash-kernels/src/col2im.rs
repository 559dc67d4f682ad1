//! col2im for one tile, the adjoint of [`crate::im2col`]: each value of row `k = (c, ky, kx)`
//! of the tile is added to the input pixel that kernel tap `k` reads for that column (values
//! that fall in the padding are dropped).

use crate::ConvShape;
use crate::buffer::SharedMut;
use crate::simd::multiversion;
use crate::tiles::Run;

/// Adds the tile (`depth × columns`, row-major) into `grad_input` (`[N, C, H, W]`).
///
/// # Safety
/// `grad_input` points to the whole input gradient of `shape`; no other thread writes the
/// images of `runs` at the same time.
pub(crate) unsafe fn add_tile(
    shape: &ConvShape,
    tile: &[f32],
    runs: &[Run],
    columns: usize,
    grad_input: *mut f32,
) {
    add_tile_simd(shape, tile, runs, columns, SharedMut(grad_input))
}

multiversion! {
/// [`add_tile`], compiled for each instruction set (the caller upholds [`add_tile`]'s
/// contract for `grad_input`).
fn add_tile_simd(
    shape: &ConvShape,
    tile: &[f32],
    runs: &[Run],
    columns: usize,
    grad_input: SharedMut,
) {
    let grad_input = grad_input.0;
    let [h, w] = shape.in_hw;
    let [kh, kw] = shape.kernel;
    let c_in = shape.in_channels;
    let mut rows = tile.chunks_exact(columns);
    for c in 0..c_in {
        for ky in 0..kh {
            for kx in 0..kw {
                let row = rows.next().expect("tile holds depth rows");
                for run in runs {
                    let (oy, ox) = (run.out_y, run.out_x);
                    let iy = (oy * shape.stride[0] + ky) as isize - shape.pad_start[0] as isize;
                    if iy < 0 || iy >= h as isize {
                        continue;
                    }
                    let at = ((run.image * c_in + c) * h + iy as usize) * w;
                    // SAFETY: one input row of an image this task owns.
                    let dst = unsafe { std::slice::from_raw_parts_mut(grad_input.add(at), w) };
                    let x0 = (ox * shape.stride[1] + kx) as isize - shape.pad_start[1] as isize;
                    add_strided(
                        dst,
                        &row[run.column..run.column + run.len],
                        x0,
                        shape.stride[1],
                    );
                }
            }
        }
    }
}
}

/// `dst[x0 + i · step] += src[i]` for every `i` whose index falls inside `dst`.
#[inline(always)]
pub(crate) fn add_strided(dst: &mut [f32], src: &[f32], x0: isize, step: usize) {
    let (len, w) = (src.len(), dst.len() as isize);
    let lo = if x0 < 0 {
        x0.unsigned_abs().div_ceil(step)
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
    if hi == lo {
        return;
    }
    let first = (x0 + (lo * step) as isize) as usize;
    if step == 1 {
        for (d, s) in dst[first..first + (hi - lo)].iter_mut().zip(&src[lo..hi]) {
            *d += s;
        }
    } else {
        for (i, s) in src[lo..hi].iter().enumerate() {
            dst[first + i * step] += s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::add_strided;

    fn reference(dst: &mut [f32], src: &[f32], x0: isize, step: usize) {
        for (i, s) in src.iter().enumerate() {
            let x = x0 + (i * step) as isize;
            if x >= 0 && x < dst.len() as isize {
                dst[x as usize] += s;
            }
        }
    }

    #[test]
    fn strided_add_matches_the_definition_at_every_offset() {
        let src: Vec<f32> = (1..=8).map(|v| v as f32 * 0.5).collect();
        for step in 1..=3 {
            for x0 in -9..10 {
                for len in 0..=8 {
                    let mut got: Vec<f32> = (0..7).map(|v| v as f32).collect();
                    let mut want = got.clone();
                    add_strided(&mut got, &src[..len], x0, step);
                    reference(&mut want, &src[..len], x0, step);
                    assert_eq!(got, want, "x0 {x0} step {step} len {len}");
                }
            }
        }
    }
}
