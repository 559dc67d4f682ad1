//! The transforms of Winograd's minimal filtering F(2×2, 3×3) (the forward convolution) and
//! of its transpose F(3×3, 2×2) (the weight gradient), with the interpolation points
//! 0, 1, −1 and ∞ (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//!
//! In one dimension, for a 4-value input `d`, a 3-tap filter `g` and a 2-value output `y`
//! (`y_i = Σ_j g_j · d_{i+j}`, a correlation as in a convolution layer):
//!
//! ```text
//! y = Aᵀ [(G g) ⊙ (Bᵀ d)]         Bᵀ = | 1  0 −1  0 |   G = | 1    0    0  |   Aᵀ = | 1  1  1  0 |
//!                                      | 0  1  1  0 |       | ½    ½    ½  |        | 0  1 −1 −1 |
//!                                      | 0 −1  1  0 |       | ½   −½    ½  |
//!                                      | 0  1  0 −1 |       | 0    0    1  |
//! ```
//!
//! and in two dimensions `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` on a 4 × 4 input tile: 16
//! multiplications for 2 × 2 outputs instead of 36. The identity is trilinear,
//! `Σ_{i,j} a_i g_j d_{i+j} = Σ_ξ (A a)_ξ (G g)_ξ (Bᵀ d)_ξ`, so the same matrices also give
//! the 3 taps `w_j = Σ_i a_i d_{i+j}` of a 2-value "filter" `a` (the weight gradient, where
//! `a` is the output gradient): `w = Gᵀ [(A a) ⊙ (Bᵀ d)]`, in two dimensions
//! `W = Gᵀ [(A a Aᵀ) ⊙ (Bᵀ d B)] G` — F(3×3, 2×2), with the same input transform.
//!
//! Every coefficient is 0, ±1 or ±½, so the transforms add no rounding beyond that of their
//! additions. Tiles are processed [`LANES`] at a time, one per vector lane: the functions
//! work on arrays of lanes (`[Block; 16]`, index `4 · row + column` of the tile) and compile
//! to plain vector additions.

/// Tiles transformed at once (one AVX-512 register of `f32`, two AVX2 registers).
pub(crate) const LANES: usize = 16;

/// One value of [`LANES`] tiles.
pub(crate) type Block = [f32; LANES];

/// A zeroed block.
pub(crate) const ZERO: Block = [0.0; LANES];

#[inline(always)]
fn lanes(f: impl Fn(usize) -> f32) -> Block {
    std::array::from_fn(f)
}

/// `Bᵀ d` in one dimension, lane by lane.
#[inline(always)]
fn bt(d: [&Block; 4]) -> [Block; 4] {
    [
        lanes(|l| d[0][l] - d[2][l]),
        lanes(|l| d[1][l] + d[2][l]),
        lanes(|l| d[2][l] - d[1][l]),
        lanes(|l| d[1][l] - d[3][l]),
    ]
}

/// `Bᵀ d B` of [`LANES`] 4 × 4 input tiles (`d[4 · row + column]`), into `v` (same indexing).
#[inline(always)]
pub(crate) fn input_tiles(d: &[Block; 16], v: &mut [Block; 16]) {
    // Columns first: t[4 · i + k] = (Bᵀ d)[i][k].
    let mut t = [ZERO; 16];
    for k in 0..4 {
        let col = bt([&d[k], &d[4 + k], &d[8 + k], &d[12 + k]]);
        for (i, c) in col.into_iter().enumerate() {
            t[4 * i + k] = c;
        }
    }
    // Then rows: v[i][j] = ((Bᵀ d) B)[i][j] = (Bᵀ applied to row i)[j].
    for i in 0..4 {
        let row = bt([&t[4 * i], &t[4 * i + 1], &t[4 * i + 2], &t[4 * i + 3]]);
        v[4 * i..4 * i + 4].copy_from_slice(&row);
    }
}

/// `Aᵀ m` in one dimension, lane by lane.
#[inline(always)]
fn at(m: [&Block; 4]) -> [Block; 2] {
    [
        lanes(|l| m[0][l] + m[1][l] + m[2][l]),
        lanes(|l| m[1][l] - m[2][l] - m[3][l]),
    ]
}

/// `Aᵀ m A` of [`LANES`] 4 × 4 products, into the 2 × 2 outputs `y[2 · row + column]`.
#[inline(always)]
pub(crate) fn output_tiles(m: [&Block; 16]) -> [Block; 4] {
    // Aᵀ over the columns first: s[4 · i + k] = (Aᵀ m)[i][k] for i in 0..2, k in 0..4.
    let mut s = [ZERO; 8];
    for k in 0..4 {
        let col = at([m[k], m[4 + k], m[8 + k], m[12 + k]]);
        s[k] = col[0];
        s[4 + k] = col[1];
    }
    let top = at([&s[0], &s[1], &s[2], &s[3]]);
    let bottom = at([&s[4], &s[5], &s[6], &s[7]]);
    [top[0], top[1], bottom[0], bottom[1]]
}

/// `G g Gᵀ` of one 3 × 3 filter (`g[3 · row + column]`): its 16 transformed values.
#[inline(always)]
pub(crate) fn filter(g: &[f32; 9]) -> [f32; 16] {
    let g1 = |a: f32, b: f32, c: f32| [a, 0.5 * (a + b + c), 0.5 * (a - b + c), c];
    // Columns first: t[i][k] = (G g)[i][k], 4 × 3.
    let cols: [[f32; 4]; 3] = std::array::from_fn(|k| g1(g[k], g[3 + k], g[6 + k]));
    let mut u = [0.0; 16];
    for i in 0..4 {
        let row = g1(cols[0][i], cols[1][i], cols[2][i]);
        u[4 * i..4 * i + 4].copy_from_slice(&row);
    }
    u
}

/// [`filter`] of [`LANES`] filters at once (`g[3 · row + column][lane]`).
#[inline(always)]
pub(crate) fn filter_lanes(g: &[Block; 9]) -> [Block; 16] {
    let g1 = |a: &Block, b: &Block, c: &Block| {
        [
            *a,
            lanes(|l| 0.5 * (a[l] + b[l] + c[l])),
            lanes(|l| 0.5 * (a[l] - b[l] + c[l])),
            *c,
        ]
    };
    let cols: [[Block; 4]; 3] = std::array::from_fn(|k| g1(&g[k], &g[3 + k], &g[6 + k]));
    let mut u = [ZERO; 16];
    for i in 0..4 {
        let row = g1(&cols[0][i], &cols[1][i], &cols[2][i]);
        u[4 * i..4 * i + 4].copy_from_slice(&row);
    }
    u
}

/// `A a` in one dimension, lane by lane (a 2-value output gradient to 4 values).
#[inline(always)]
fn a2(a: [&Block; 2]) -> [Block; 4] {
    [
        *a[0],
        lanes(|l| a[0][l] + a[1][l]),
        lanes(|l| a[0][l] - a[1][l]),
        lanes(|l| -a[1][l]),
    ]
}

/// `A a Aᵀ` of [`LANES`] 2 × 2 output-gradient tiles (`a[2 · row + column]`), into `v`
/// (`v[4 · row + column]`): the "filter" side of F(3×3, 2×2).
#[inline(always)]
pub(crate) fn gradient_tiles(a: &[Block; 4], v: &mut [Block; 16]) {
    let c0 = a2([&a[0], &a[2]]);
    let c1 = a2([&a[1], &a[3]]);
    for i in 0..4 {
        let row = a2([&c0[i], &c1[i]]);
        v[4 * i..4 * i + 4].copy_from_slice(&row);
    }
}

/// `Gᵀ m G` of one 4 × 4 product sum: the 3 × 3 weight gradient (`[3 · row + column]`).
#[inline(always)]
pub(crate) fn weight_gradient(m: &[f32; 16]) -> [f32; 9] {
    let gt = |a: f32, b: f32, c: f32, d: f32| [a + 0.5 * (b + c), 0.5 * (b - c), 0.5 * (b + c) + d];
    let cols: [[f32; 3]; 4] = std::array::from_fn(|k| gt(m[k], m[4 + k], m[8 + k], m[12 + k]));
    let mut w = [0.0; 9];
    for i in 0..3 {
        let row = gt(cols[0][i], cols[1][i], cols[2][i], cols[3][i]);
        w[3 * i..3 * i + 3].copy_from_slice(&row);
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [-1, 1).
    fn values(seed: u64, len: usize) -> Vec<f32> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    fn lane0(v: f32) -> Block {
        let mut b = ZERO;
        b[0] = v;
        b[LANES - 1] = 2.0 * v;
        b
    }

    #[test]
    fn forward_transforms_compute_a_2x2_correlation() {
        for seed in 1..20 {
            let d = values(seed, 16);
            let g: [f32; 9] = values(seed + 100, 9).try_into().unwrap();
            let mut v = [ZERO; 16];
            input_tiles(&std::array::from_fn(|i| lane0(d[i])), &mut v);
            let u = filter(&g);
            let many = filter_lanes(&std::array::from_fn(|k| lane0(g[k])));
            for (one, all) in u.iter().zip(&many) {
                assert_eq!([*one, 2.0 * one], [all[0], all[LANES - 1]]);
            }
            let m: [Block; 16] = std::array::from_fn(|i| lanes(|l| u[i] * v[i][l]));
            let y = output_tiles(std::array::from_fn(|i| &m[i]));
            for (oy, ox) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let want: f32 = (0..9)
                    .map(|k| g[k] * d[4 * (oy + k / 3) + ox + k % 3])
                    .sum();
                let got = y[2 * oy + ox];
                assert!((got[0] - want).abs() < 1e-5, "{got:?} vs {want}");
                assert!((got[LANES - 1] - 2.0 * want).abs() < 2e-5, "{got:?}");
                assert_eq!(got[1], 0.0);
            }
        }
    }

    #[test]
    fn transposed_transforms_compute_a_3x3_correlation_with_a_2x2_filter() {
        for seed in 1..20 {
            let d = values(seed, 16);
            let a = values(seed + 100, 4);
            let mut x = [ZERO; 16];
            input_tiles(&std::array::from_fn(|i| lane0(d[i])), &mut x);
            let mut y = [ZERO; 16];
            gradient_tiles(&std::array::from_fn(|i| lane0(a[i])), &mut y);
            let m: [f32; 16] = std::array::from_fn(|i| x[i][0] * y[i][0]);
            let w = weight_gradient(&m);
            for ky in 0..3 {
                for kx in 0..3 {
                    let want: f32 = (0..4)
                        .map(|i| a[i] * d[4 * (ky + i / 2) + kx + i % 2])
                        .sum();
                    let got = w[3 * ky + kx];
                    assert!((got - want).abs() < 1e-5, "{got} vs {want}");
                }
            }
        }
    }
}
