//! Max pooling (`max_pool2d_forward` / `_backward`) against its definition: every window
//! scanned row by row in f64 with PyTorch's rule (the first maximum wins, a NaN always wins,
//! padding never does), the gradient of `Σ g · y` sent to the chosen position. Values are
//! drawn from a few levels so that ties are common.

mod common;

use common::{Rng, at_every_simd_level};
use deephash_kernels::{
    KernelError, PoolShape, as_uninit, max_pool2d_backward, max_pool2d_forward,
};

/// The pooled values and the chosen positions (inside the plane), by the definition.
fn reference(x: &[f32], s: &PoolShape) -> (Vec<f64>, Vec<usize>) {
    let ([h, w], [ho, wo]) = (s.in_hw, s.out_hw);
    let (mut y, mut at) = (Vec::new(), Vec::new());
    for p in 0..s.planes() {
        for oy in 0..ho {
            for ox in 0..wo {
                let mut best: Option<(f64, usize)> = None;
                for ky in 0..s.kernel[0] {
                    for kx in 0..s.kernel[1] {
                        let iy = (oy * s.stride[0] + ky) as isize - s.pad_start[0] as isize;
                        let ix = (ox * s.stride[1] + kx) as isize - s.pad_start[1] as isize;
                        if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                            continue;
                        }
                        let i = iy as usize * w + ix as usize;
                        let v = x[p * h * w + i] as f64;
                        if best.is_none_or(|(b, _)| v > b || v.is_nan()) {
                            best = Some((v, i));
                        }
                    }
                }
                let (v, i) = best.expect("every window overlaps the input");
                y.push(v);
                at.push(i);
            }
        }
    }
    (y, at)
}

/// Values on a coarse grid (many ties), some NaN when `nans`.
fn values(rng: &mut Rng, len: usize, nans: bool) -> Vec<f32> {
    rng.values(len)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if nans && i % 37 == 5 {
                f32::NAN
            } else {
                (v * 3.0).round()
            }
        })
        .collect()
}

fn check(s: PoolShape, nans: bool, rng: &mut Rng) {
    let x = values(rng, s.input_len(), nans);
    let g = rng.values(s.output_len());
    let (want_y, want_at) = reference(&x, &s);
    let mut y = vec![0.0f32; s.output_len()];
    let mut plain = vec![0.0f32; s.output_len()];
    let mut idx = vec![u32::MAX; s.output_len()];
    max_pool2d_forward(&x, &s, &mut y, Some(&mut idx)).unwrap();
    max_pool2d_forward(&x, &s, &mut plain, None).unwrap();
    let same = |a: f64, b: f32| (a.is_nan() && b.is_nan()) || a == b as f64;
    for (i, (&w, (&a, &b))) in want_y.iter().zip(y.iter().zip(&plain)).enumerate() {
        assert!(same(w, a), "{s:?}: output {i} is {a}, want {w}");
        assert!(
            same(w, b),
            "{s:?}: output {i} without indices is {b}, want {w}"
        );
    }
    let idx: Vec<usize> = idx.iter().map(|&i| i as usize).collect();
    assert_eq!(idx, want_at, "{s:?}: positions of the maxima");

    let plane_in = s.in_hw[0] * s.in_hw[1];
    let plane_out = s.out_hw[0] * s.out_hw[1];
    let mut want_dx = vec![0.0f64; s.input_len()];
    for (o, (&i, &g)) in want_at.iter().zip(&g).enumerate() {
        want_dx[o / plane_out * plane_in + i] += g as f64;
    }
    let mut dx = vec![f32::NAN; s.input_len()];
    let indices: Vec<u32> = want_at.iter().map(|&i| i as u32).collect();
    max_pool2d_backward(&g, &indices, &s, as_uninit(&mut dx)).unwrap();
    for (i, (&w, &d)) in want_dx.iter().zip(&dx).enumerate() {
        assert!(
            (w - d as f64).abs() <= 1e-6,
            "{s:?}: dx {i} is {d}, want {w}"
        );
    }
}

fn shape(
    n: usize,
    c: usize,
    hw: [usize; 2],
    k: usize,
    stride: usize,
    pad: [(usize, usize); 2],
) -> PoolShape {
    PoolShape::new(n, c, hw, [k, k], [stride, stride], pad).unwrap()
}

#[test]
fn every_instruction_set_path_matches_the_definition() {
    // One test walks the levels, so that no other test of this binary changes the level
    // under it.
    at_every_simd_level(|| {
        two_by_two_pools();
        other_pools();
    });
}

fn two_by_two_pools() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let none = [(0, 0), (0, 0)];
    for nans in [false, true] {
        // Even and odd sizes (an odd last row / column is dropped), one plane and many
        // planes (several rayon tasks).
        check(shape(2, 3, [6, 8], 2, 2, none), nans, &mut rng);
        check(shape(3, 2, [7, 5], 2, 2, none), nans, &mut rng);
        check(shape(4, 16, [28, 28], 2, 2, none), nans, &mut rng);
        check(shape(1, 1, [2, 2], 2, 2, none), nans, &mut rng);
    }
}

fn other_pools() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for nans in [false, true] {
        // ResNet's stem pool: 3 × 3, stride 2, padding 1 (overlapping windows).
        check(
            shape(2, 4, [12, 11], 3, 2, [(1, 1), (1, 1)]),
            nans,
            &mut rng,
        );
        check(
            shape(3, 8, [56, 56], 3, 2, [(1, 1), (1, 1)]),
            nans,
            &mut rng,
        );
        // Stride 1, asymmetric padding, a 2 × 2 window with padding.
        check(shape(2, 3, [9, 7], 3, 1, [(0, 2), (1, 0)]), nans, &mut rng);
        check(shape(2, 3, [8, 8], 2, 2, [(1, 1), (1, 1)]), nans, &mut rng);
        check(shape(1, 2, [10, 9], 3, 3, [(0, 0), (0, 0)]), nans, &mut rng);
    }
}

#[test]
fn impossible_geometries_and_wrong_buffers_are_errors() {
    let none = [(0, 0), (0, 0)];
    assert!(PoolShape::new(1, 1, [1, 1], [2, 2], [2, 2], none).is_err());
    assert!(PoolShape::new(0, 1, [4, 4], [2, 2], [2, 2], none).is_err());
    // A window that could lie wholly in the padding.
    assert!(PoolShape::new(1, 1, [4, 4], [2, 2], [1, 1], [(2, 0), (0, 0)]).is_err());
    let s = shape(1, 1, [4, 4], 2, 2, none);
    let mut y = vec![0.0; 3];
    assert!(matches!(
        max_pool2d_forward(&[0.0; 16], &s, &mut y, None),
        Err(KernelError::BufferLength { name: "output", .. })
    ));
    let mut dx = vec![0.0; 16];
    let dx = as_uninit(&mut dx);
    assert!(max_pool2d_backward(&[0.0; 4], &[0, 1, 2, 16], &s, dx).is_err());
}
