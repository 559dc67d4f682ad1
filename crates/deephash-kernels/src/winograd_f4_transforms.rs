//! The transforms of Winograd's minimal filtering F(4×4, 3×3) (the forward convolution), with
//! the interpolation points 0, 1, −1, 2, −½ and ∞, built as Lavin & Gray ("Fast Algorithms for
//! Convolutional Neural Networks", 2016) and the `wincnn` generator do.
//!
//! In one dimension, for a 6-value input `d`, a 3-tap filter `g` and a 4-value output `y`
//! (`y_i = Σ_j g_j · d_{i+j}`, a correlation as in a convolution layer):
//!
//! ```text
//! y = Aᵀ [(G g) ⊙ (Bᵀ d)]
//!
//! Bᵀ = | 1  3/2  −2   −3/2   1    0 |   G = |  1      0     0   |   Aᵀ = | 1  1  1  1   1    0 |
//!      | 0  −1  −5/2  −1/2   1    0 |       | −1/3  −1/3  −1/3  |        | 0  1 −1  2  −1/2  0 |
//!      | 0   1   1/2  −5/2   1    0 |       |  1/3  −1/3   1/3  |        | 0  1  1  4   1/4  0 |
//!      | 0 −1/2  −1    1/2   1    0 |       |  1/15  2/15  4/15 |        | 0  1 −1  8  −1/8  1 |
//!      | 0   2   −1    −2    1    0 |       | −16/15 8/15 −4/15 |
//!      | 0   1   3/2   −2  −3/2   1 |       |  0      0     1   |
//! ```
//!
//! and in two dimensions `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` on a 6 × 6 input tile: 36
//! multiplications for 4 × 4 outputs instead of 144, 2.25 per output against F(2×2, 3×3)'s 4.
//!
//! Accuracy: unlike F(2×2, 3×3)'s 0/±1/±½, these coefficients reach 8 and fractions inexact in
//! binary (⅓, 1/15), so the rounding error of an output grows by about 10–20 times over
//! F(2×2, 3×3)'s. The points matter: with the usual 0, ±1, ±2, ∞ the error was about twice
//! as large (simulated in f32 against f64 over 512-channel sums: 7.4e-6 against 4.0e-6 of the
//! largest output; ResNet-50's train-mode features through F(4×4, 3×3) everywhere: 2.5e-4
//! from the f64 reference, beyond the parity test's 1.5 × PyTorch's 1.55e-4). The tests
//! measure it against the definition in f64 (`tests/winograd.rs`; docs/model.md, "Session 9").
//!
//! Tiles are processed `LANES` at a time, one per vector lane: [`input_tiles`] and
//! [`output_tiles`] take arrays of lanes (`[Block; 36]`, index `6 · row + column` of the tile).

use crate::winograd_transforms::{Block, LANES, ZERO};

/// Positions of a transformed tile (6 × 6).
pub(crate) const POSITIONS: usize = 36;

/// `unroll!(i in [0, 1, 2] => body)`: the body once per listed value, as straight-line code.
///
/// For loops whose bodies are `LANES`-wide copies or operations: LLVM unrolls those first,
/// and the outer loop left over was then vectorised across its iterations with gather and
/// scatter instructions (several times slower). Unrolled by hand, the lanes are what the SLP
/// vectoriser packs into vectors.
macro_rules! unroll {
    ($i:ident in [$($n:literal),* $(,)?] => $body:block) => {
        $( { let $i: usize = $n; $body } )*
    };
}
pub(crate) use unroll;

/// `Bᵀ d` in one dimension.
#[inline(always)]
fn bt([d0, d1, d2, d3, d4, d5]: [f32; 6]) -> [f32; 6] {
    [
        d0 + 1.5 * (d1 - d3) - 2.0 * d2 + d4,
        d4 - d1 - 2.5 * d2 - 0.5 * d3,
        d4 + d1 + 0.5 * d2 - 2.5 * d3,
        d4 - d2 + 0.5 * (d3 - d1),
        d4 - d2 + 2.0 * (d1 - d3),
        d1 + 1.5 * (d2 - d4) - 2.0 * d3 + d5,
    ]
}

/// `Bᵀ d B` of one 6 × 6 input tile (`d[6 · row + column]`).
#[inline(always)]
pub(crate) fn input_tile(d: &[f32; POSITIONS]) -> [f32; POSITIONS] {
    // Columns first: t[6 · i + k] = (Bᵀ d)[i][k]; then rows.
    let mut t = [0.0; POSITIONS];
    for k in 0..6 {
        let col = bt([d[k], d[6 + k], d[12 + k], d[18 + k], d[24 + k], d[30 + k]]);
        for (i, c) in col.into_iter().enumerate() {
            t[6 * i + k] = c;
        }
    }
    let mut v = [0.0; POSITIONS];
    for i in 0..6 {
        let row = bt(t[6 * i..6 * i + 6].try_into().unwrap());
        v[6 * i..6 * i + 6].copy_from_slice(&row);
    }
    v
}

/// [`input_tile`] of `LANES` tiles (`d[6 · row + column][lane]`), into `v` (same indexing).
///
/// One loop over the lanes around the whole scalar transform, which LLVM vectorises across
/// the lanes (the other nesting, a loop over rows and columns around lane-wise operations,
/// it partly vectorised across rows and columns instead: gathers, or 128-bit vectors).
#[inline(always)]
pub(crate) fn input_tiles(d: &[Block; POSITIONS], v: &mut [Block; POSITIONS]) {
    for l in 0..LANES {
        let mut tile = [0.0; POSITIONS];
        for (value, lanes) in tile.iter_mut().zip(d) {
            *value = lanes[l];
        }
        for (lanes, value) in v.iter_mut().zip(input_tile(&tile)) {
            lanes[l] = value;
        }
    }
}

/// `Aᵀ m` in one dimension.
#[inline(always)]
fn at([m0, m1, m2, m3, m4, m5]: [f32; 6]) -> [f32; 4] {
    let (sum12, diff12) = (m1 + m2, m1 - m2);
    [
        m0 + sum12 + m3 + m4,
        diff12 + 2.0 * m3 - 0.5 * m4,
        sum12 + 4.0 * m3 + 0.25 * m4,
        diff12 + 8.0 * m3 - 0.125 * m4 + m5,
    ]
}

/// `Aᵀ m A` of one 6 × 6 product (`m[6 · row + column]`): the 4 × 4 outputs.
#[inline(always)]
pub(crate) fn output_tile(m: &[f32; POSITIONS]) -> [f32; 16] {
    // Aᵀ over the columns first: s[6 · i + k] = (Aᵀ m)[i][k] for i in 0..4; then rows.
    let mut s = [0.0; 24];
    for k in 0..6 {
        let col = at([m[k], m[6 + k], m[12 + k], m[18 + k], m[24 + k], m[30 + k]]);
        for (i, c) in col.into_iter().enumerate() {
            s[6 * i + k] = c;
        }
    }
    let mut y = [0.0; 16];
    for i in 0..4 {
        let row = at(s[6 * i..6 * i + 6].try_into().unwrap());
        y[4 * i..4 * i + 4].copy_from_slice(&row);
    }
    y
}

/// [`output_tile`] of `LANES` products (`m[6 · row + column]`, each `LANES` values), into
/// the 4 × 4 outputs `y[4 · row + column][lane]`, vectorised across the lanes as
/// [`input_tiles`].
#[inline(always)]
pub(crate) fn output_tiles(m: [&Block; POSITIONS], y: &mut [Block; 16]) {
    for l in 0..LANES {
        let mut product = [0.0; POSITIONS];
        for (value, lanes) in product.iter_mut().zip(m) {
            *value = lanes[l];
        }
        for (lanes, value) in y.iter_mut().zip(output_tile(&product)) {
            lanes[l] = value;
        }
    }
}

/// `G g` in one dimension for one filter column `(a, b, c)`.
#[inline(always)]
fn g1(a: f32, b: f32, c: f32) -> [f32; 6] {
    let (third, fifteenth) = (1.0 / 3.0, 1.0 / 15.0);
    [
        a,
        -third * (a + b + c),
        third * (a - b + c),
        fifteenth * (a + 2.0 * b + 4.0 * c),
        fifteenth * (8.0 * b - 16.0 * a - 4.0 * c),
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
            let m: [Block; POSITIONS] =
                std::array::from_fn(|i| std::array::from_fn(|l| u[i] * v[i][l]));
            let mut y = [ZERO; 16];
            output_tiles(std::array::from_fn(|i| &m[i]), &mut y);
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
