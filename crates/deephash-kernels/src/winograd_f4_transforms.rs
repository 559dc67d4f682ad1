//! The transforms of Winograd's minimal filtering F(4×4, 3×3) (the forward convolution), with
//! the interpolation points 0, 1, −1, 2, −2 and ∞ (Lavin & Gray, "Fast Algorithms for
//! Convolutional Neural Networks", 2016; oneDNN and NNPACK use the same points).
//!
//! In one dimension, for a 6-value input `d`, a 3-tap filter `g` and a 4-value output `y`
//! (`y_i = Σ_j g_j · d_{i+j}`, a correlation as in a convolution layer):
//!
//! ```text
//! y = Aᵀ [(G g) ⊙ (Bᵀ d)]
//!
//! Bᵀ = | 4  0 −5  0  1  0 |   G = |  ¼     0     0  |   Aᵀ = | 1  1  1  1  1  0 |
//!      | 0 −4 −4  1  1  0 |       | −⅙   −⅙    −⅙  |        | 0  1 −1  2 −2  0 |
//!      | 0  4 −4 −1  1  0 |       | −⅙    ⅙    −⅙  |        | 0  1  1  4  4  0 |
//!      | 0 −2 −1  2  1  0 |       | 1/24  1/12  ⅙  |        | 0  1 −1  8 −8  1 |
//!      | 0  2 −1 −2  1  0 |       | 1/24 −1/12  ⅙  |
//!      | 0  4  0 −5  0  1 |       |  0     0     1  |
//! ```
//!
//! and in two dimensions `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` on a 6 × 6 input tile: 36
//! multiplications for 4 × 4 outputs instead of 144, 2.25 per output against F(2×2, 3×3)'s 4.
//!
//! Accuracy: unlike F(2×2, 3×3)'s 0/±1/±½, these coefficients reach 5 (input), 8 (output)
//! and ⅙ (filter, inexact in binary), so the rounding error of an output grows by a factor of
//! about 10 over F(2×2, 3×3)'s; the tests measure it against the definition in f64
//! (`tests/winograd.rs`, docs/model.md "Session 9").
//!
//! Tiles are processed `LANES` at a time, one per vector lane: the functions work on arrays
//! of lanes (`[Block; 36]`, index `6 · row + column` of the tile) and compile to plain vector
//! additions and multiplications.

use crate::winograd_transforms::{Block, ZERO};

/// Positions of a transformed tile (6 × 6).
pub(crate) const POSITIONS: usize = 36;

/// `unroll!(i in [0, 1, 2] => body)`: the body once per listed value, as straight-line code.
///
/// The transforms' loops over rows and columns must not stay loops: their bodies are
/// `LANES`-wide loops that LLVM unrolls first, and the outer loop left over was then
/// vectorised across rows or columns with gather and scatter instructions (several times
/// slower). Unrolled by hand, the lanes are what the SLP vectoriser packs into vectors.
macro_rules! unroll {
    ($i:ident in [$($n:literal),* $(,)?] => $body:block) => {
        $( { let $i: usize = $n; $body } )*
    };
}
pub(crate) use unroll;

/// The block whose lane `l` is `f(l)`. A plain loop, not `std::array::from_fn`: that one was
/// not inlined into the callers compiled for AVX2 and AVX-512, so their arithmetic ran with
/// SSE2 in a separate function.
#[inline(always)]
fn lanes(f: impl Fn(usize) -> f32) -> Block {
    let mut block = ZERO;
    for (l, value) in block.iter_mut().enumerate() {
        *value = f(l);
    }
    block
}

/// Column `k` (`stride` 6) or row (`stride` 1 from `k`) of a 6 × 6 array of blocks.
#[inline(always)]
fn six(blocks: &[Block], first: usize, stride: usize) -> [&Block; 6] {
    [
        &blocks[first],
        &blocks[first + stride],
        &blocks[first + 2 * stride],
        &blocks[first + 3 * stride],
        &blocks[first + 4 * stride],
        &blocks[first + 5 * stride],
    ]
}

/// `Bᵀ d` in one dimension, lane by lane.
#[inline(always)]
fn bt(d: [&Block; 6]) -> [Block; 6] {
    let [d0, d1, d2, d3, d4, d5] = d;
    [
        lanes(|l| 4.0 * d0[l] - 5.0 * d2[l] + d4[l]),
        lanes(|l| d3[l] + d4[l] - 4.0 * (d1[l] + d2[l])),
        lanes(|l| d4[l] - d3[l] + 4.0 * (d1[l] - d2[l])),
        lanes(|l| d4[l] - d2[l] + 2.0 * (d3[l] - d1[l])),
        lanes(|l| d4[l] - d2[l] + 2.0 * (d1[l] - d3[l])),
        lanes(|l| 4.0 * d1[l] - 5.0 * d3[l] + d5[l]),
    ]
}

/// `Bᵀ d B` of `LANES` 6 × 6 input tiles (`d[6 · row + column]`), into `v` (same indexing).
#[inline(always)]
pub(crate) fn input_tiles(d: &[Block; POSITIONS], v: &mut [Block; POSITIONS]) {
    // Columns first: t[6 · i + k] = (Bᵀ d)[i][k].
    let mut t = [ZERO; POSITIONS];
    unroll!(k in [0, 1, 2, 3, 4, 5] => {
        let [c0, c1, c2, c3, c4, c5] = bt(six(d, k, 6));
        [t[k], t[6 + k], t[12 + k], t[18 + k], t[24 + k], t[30 + k]] = [c0, c1, c2, c3, c4, c5];
    });
    // Then rows: v[i][j] = (Bᵀ applied to row i of t)[j].
    unroll!(i in [0, 1, 2, 3, 4, 5] => {
        let [r0, r1, r2, r3, r4, r5] = bt(six(&t, 6 * i, 1));
        [v[6 * i], v[6 * i + 1], v[6 * i + 2], v[6 * i + 3], v[6 * i + 4], v[6 * i + 5]] =
            [r0, r1, r2, r3, r4, r5];
    });
}

/// `Aᵀ m` in one dimension, lane by lane.
#[inline(always)]
fn at(m: [&Block; 6]) -> [Block; 4] {
    let [m0, m1, m2, m3, m4, m5] = m;
    let sum12 = lanes(|l| m1[l] + m2[l]);
    let diff12 = lanes(|l| m1[l] - m2[l]);
    let sum34 = lanes(|l| m3[l] + m4[l]);
    let diff34 = lanes(|l| m3[l] - m4[l]);
    [
        lanes(|l| m0[l] + sum12[l] + sum34[l]),
        lanes(|l| diff12[l] + 2.0 * diff34[l]),
        lanes(|l| sum12[l] + 4.0 * sum34[l]),
        lanes(|l| diff12[l] + 8.0 * diff34[l] + m5[l]),
    ]
}

/// `Aᵀ m A` of `LANES` 6 × 6 products, into the 4 × 4 outputs `y[4 · row + column]`.
#[inline(always)]
pub(crate) fn output_tiles(m: [&Block; POSITIONS]) -> [Block; 16] {
    // Aᵀ over the columns first: s[6 · i + k] = (Aᵀ m)[i][k] for i in 0..4, k in 0..6.
    let mut s = [ZERO; 24];
    unroll!(k in [0, 1, 2, 3, 4, 5] => {
        let [c0, c1, c2, c3] = at([m[k], m[6 + k], m[12 + k], m[18 + k], m[24 + k], m[30 + k]]);
        [s[k], s[6 + k], s[12 + k], s[18 + k]] = [c0, c1, c2, c3];
    });
    let mut y = [ZERO; 16];
    unroll!(i in [0, 1, 2, 3] => {
        let [r0, r1, r2, r3] = at(six(&s, 6 * i, 1));
        [y[4 * i], y[4 * i + 1], y[4 * i + 2], y[4 * i + 3]] = [r0, r1, r2, r3];
    });
    y
}

/// `G g` in one dimension for one filter column `(a, b, c)`.
#[inline(always)]
fn g1(a: f32, b: f32, c: f32) -> [f32; 6] {
    let (sixth, twelfth, twenty_fourth) = (1.0 / 6.0, 1.0 / 12.0, 1.0 / 24.0);
    [
        0.25 * a,
        -sixth * (a + b + c),
        -sixth * (a - b + c),
        twenty_fourth * a + twelfth * b + sixth * c,
        twenty_fourth * a - twelfth * b + sixth * c,
        c,
    ]
}

/// `G g Gᵀ` of one 3 × 3 filter (`g[3 · row + column]`): its 36 transformed values.
#[inline(always)]
pub(crate) fn filter(g: &[f32; 9]) -> [f32; POSITIONS] {
    // Columns first: cols[k][i] = (G g)[i][k], 6 × 3.
    let cols: [[f32; 6]; 3] = std::array::from_fn(|k| g1(g[k], g[3 + k], g[6 + k]));
    let mut u = [0.0; POSITIONS];
    for i in 0..6 {
        let row = g1(cols[0][i], cols[1][i], cols[2][i]);
        u[6 * i..6 * i + 6].copy_from_slice(&row);
    }
    u
}

/// [`filter`] of `LANES` filters at once (`g[3 · row + column][lane]`), as vector operations.
#[inline(always)]
pub(crate) fn filter_lanes(g: &[Block; 9]) -> [Block; POSITIONS] {
    let g1 = |a: &Block, b: &Block, c: &Block| -> [Block; 6] {
        let mut out = [ZERO; 6];
        for l in 0..a.len() {
            for (i, value) in g1(a[l], b[l], c[l]).into_iter().enumerate() {
                out[i][l] = value;
            }
        }
        out
    };
    let cols = [
        g1(&g[0], &g[3], &g[6]),
        g1(&g[1], &g[4], &g[7]),
        g1(&g[2], &g[5], &g[8]),
    ];
    let mut u = [ZERO; POSITIONS];
    unroll!(i in [0, 1, 2, 3, 4, 5] => {
        let [r0, r1, r2, r3, r4, r5] = g1(&cols[0][i], &cols[1][i], &cols[2][i]);
        [u[6 * i], u[6 * i + 1], u[6 * i + 2], u[6 * i + 3], u[6 * i + 4], u[6 * i + 5]] =
            [r0, r1, r2, r3, r4, r5];
    });
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::winograd_transforms::LANES;

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

    /// The value in lane 0, twice it in the last lane, zero elsewhere.
    fn lane0(v: f32) -> Block {
        let mut b = ZERO;
        b[0] = v;
        b[LANES - 1] = 2.0 * v;
        b
    }

    #[test]
    fn transforms_compute_a_4x4_correlation() {
        for seed in 1..200 {
            let d = values(seed, 36);
            let g: [f32; 9] = values(seed + 1000, 9).try_into().unwrap();
            let mut v = [ZERO; POSITIONS];
            input_tiles(&std::array::from_fn(|i| lane0(d[i])), &mut v);
            let u = filter(&g);
            let many = filter_lanes(&std::array::from_fn(|k| lane0(g[k])));
            for (one, all) in u.iter().zip(&many) {
                assert_eq!([*one, 2.0 * one], [all[0], all[LANES - 1]]);
            }
            let m: [Block; POSITIONS] = std::array::from_fn(|i| lanes(|l| u[i] * v[i][l]));
            let y = output_tiles(std::array::from_fn(|i| &m[i]));
            for (oy, ox) in (0..4).flat_map(|r| (0..4).map(move |c| (r, c))) {
                let want: f64 = (0..9)
                    .map(|k| g[k] as f64 * d[6 * (oy + k / 3) + ox + k % 3] as f64)
                    .sum();
                let got = y[4 * oy + ox];
                // |want| ≤ 9 here: a few units of 2⁻²³ times the transforms' growth.
                assert!((got[0] as f64 - want).abs() < 2e-5, "{got:?} vs {want}");
                assert!((got[LANES - 1] as f64 - 2.0 * want).abs() < 4e-5, "{got:?}");
                assert_eq!(got[1], 0.0);
            }
        }
    }
}
