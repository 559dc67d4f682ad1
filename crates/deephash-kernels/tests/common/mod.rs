//! What the kernel tests share: a deterministic generator of test values, and a walk over the
//! instruction-set levels of the kernels' own loops.

use deephash_kernels::simd::{SimdLevel, force_simd_level};
use deephash_kernels::{Activation, Epilogue};

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
