//! What the kernel tests share: a deterministic generator of test values, a walk over the
//! instruction-set levels of the kernels' own loops, and the convolution and its gradients by
//! their definitions (in f64).

use deephash_kernels::simd::{SimdLevel, force_simd_level};
use deephash_kernels::{Activation, ConvShape, Epilogue};

/// A small deterministic generator (xorshift), values in [-1, 1).
pub struct Rng(pub u64);

impl Rng {
    /// `len` values in [-1, 1).
    pub fn values(&mut self, len: usize) -> Vec<f32> {
        (0..len)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }
}

/// Runs `check` at every instruction-set level this CPU has, from the baseline up (the
/// kernels' loops are compiled for each), then leaves the best level in force. The level is
/// one per process: a test binary should have one test that walks it.
#[allow(dead_code)] // not every test file has multiversioned loops to walk
pub fn at_every_simd_level(mut check: impl FnMut()) {
    for level in SimdLevel::supported() {
        assert_eq!(force_simd_level(level), level, "{level:?} is supported");
        check();
    }
    force_simd_level(SimdLevel::Avx512);
}

/// The epilogue by its definition, in f64: `act(acc + residual[at])` for output value `at`
/// (`acc` holds the convolution sum and the bias).
#[allow(dead_code)] // used by the convolution tests only
pub fn epilogue_reference(acc: f64, e: &Epilogue<'_>, at: usize) -> f32 {
    let y = acc + e.residual.map_or(0.0, |r| r[at] as f64);
    (match e.activation {
        Activation::Identity => y,
        Activation::Relu => y.max(0.0),
        Activation::Relu6 => y.clamp(0.0, 6.0),
    }) as f32
}

/// The convolution by its definition, in f64.
#[allow(dead_code)] // used by the convolution tests only
pub fn conv_reference(input: &[f32], weight: &[f32], s: &ConvShape, e: &Epilogue<'_>) -> Vec<f32> {
    let [h, w] = s.in_hw;
    let [kh, kw] = s.kernel;
    let [ho, wo] = s.out_hw;
    let mut out = vec![0.0; s.output_len()];
    for n in 0..s.batch {
        for o in 0..s.out_channels {
            for oy in 0..ho {
                for ox in 0..wo {
                    let mut acc = e.bias.map_or(0.0, |b| b[o] as f64);
                    for c in 0..s.in_channels {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let Some((iy, ix)) = input_pixel(s, [oy, ox], [ky, kx]) else {
                                    continue;
                                };
                                let x = input[((n * s.in_channels + c) * h + iy) * w + ix];
                                let k = weight[((o * s.in_channels + c) * kh + ky) * kw + kx];
                                acc += x as f64 * k as f64;
                            }
                        }
                    }
                    let at = ((n * s.out_channels + o) * ho + oy) * wo + ox;
                    out[at] = epilogue_reference(acc, e, at);
                }
            }
        }
    }
    out
}

/// `(dX, dW, dB)` of `Σ dY · conv(X, W)` by the definition, accumulated in f64.
#[allow(dead_code)] // used by the convolution tests only
pub fn gradients_reference(x: &[f32], w: &[f32], dy: &[f32], s: &ConvShape) -> [Vec<f64>; 3] {
    let [h, wd] = s.in_hw;
    let [kh, kw] = s.kernel;
    let [ho, wo] = s.out_hw;
    let (c_in, c_out) = (s.in_channels, s.out_channels);
    let mut dx = vec![0.0; s.input_len()];
    let mut dw = vec![0.0; s.weight_len()];
    let mut db = vec![0.0; c_out];
    for n in 0..s.batch {
        for o in 0..c_out {
            for oy in 0..ho {
                for ox in 0..wo {
                    let g = dy[((n * c_out + o) * ho + oy) * wo + ox] as f64;
                    db[o] += g;
                    for c in 0..c_in {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let Some((iy, ix)) = input_pixel(s, [oy, ox], [ky, kx]) else {
                                    continue;
                                };
                                let xi = ((n * c_in + c) * h + iy) * wd + ix;
                                let wi = ((o * c_in + c) * kh + ky) * kw + kx;
                                dx[xi] += g * w[wi] as f64;
                                dw[wi] += g * x[xi] as f64;
                            }
                        }
                    }
                }
            }
        }
    }
    [dx, dw, db]
}

/// The input pixel `(y, x)` that tap `(ky, kx)` of output pixel `(oy, ox)` reads, or `None`
/// where it falls in the padding.
#[allow(dead_code)] // used by the convolution tests only
pub fn input_pixel(
    s: &ConvShape,
    [oy, ox]: [usize; 2],
    [ky, kx]: [usize; 2],
) -> Option<(usize, usize)> {
    let iy = (oy * s.stride[0] + ky).checked_sub(s.pad_start[0])?;
    let ix = (ox * s.stride[1] + kx).checked_sub(s.pad_start[1])?;
    (iy < s.in_hw[0] && ix < s.in_hw[1]).then_some((iy, ix))
}
