//! Run-time choice of the instruction set for the kernels' own loops (the GEMM is the `gemm`
//! crate's, which chooses for itself).
//!
//! The workspace compiles for baseline x86-64 (SSE2), so a plain loop runs 4 lanes wide even
//! on a CPU with AVX-512. [`multiversion!`] compiles a function's body three times — for
//! AVX-512 (x86-64-v4), for AVX2 + FMA (x86-64-v3) and for the baseline — and calls the best
//! one the CPU has, detected once per process. One binary still runs everywhere.

use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set level of the kernels' own loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SimdLevel {
    /// The compilation target's baseline (SSE2 on x86-64).
    Baseline = 1,
    /// AVX2 and FMA (x86-64-v3).
    Avx2 = 2,
    /// AVX-512 F/VL/BW/DQ (x86-64-v4).
    Avx512 = 3,
}

impl SimdLevel {
    /// Every level, from the narrowest.
    pub const ALL: [Self; 3] = [Self::Baseline, Self::Avx2, Self::Avx512];

    /// Whether this CPU can run the code compiled for this level.
    pub fn is_supported(self) -> bool {
        self <= detected_simd_level()
    }

    /// The levels this CPU can run, from the narrowest (what a test should cover).
    pub fn supported() -> Vec<Self> {
        Self::ALL.into_iter().filter(|l| l.is_supported()).collect()
    }
}

/// 0 = not detected yet.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The best level this CPU has.
pub fn detected_simd_level() -> SimdLevel {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
        {
            return SimdLevel::Avx512;
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return SimdLevel::Avx2;
        }
    }
    SimdLevel::Baseline
}

/// The level the kernels' loops run at: the detected one, capped by `DEEPHASH_SIMD` or
/// [`force_simd_level`].
pub fn simd_level() -> SimdLevel {
    match LEVEL.load(Ordering::Relaxed) {
        1 => SimdLevel::Baseline,
        2 => SimdLevel::Avx2,
        3 => SimdLevel::Avx512,
        _ => {
            let level = detected_simd_level().min(requested_level());
            LEVEL.store(level as u8, Ordering::Relaxed);
            level
        }
    }
}

/// The cap set by `DEEPHASH_SIMD` (`baseline`, `avx2`, `avx512`; unset or anything else: no
/// cap), so that one binary can compare the paths.
fn requested_level() -> SimdLevel {
    match std::env::var("DEEPHASH_SIMD").as_deref() {
        Ok("baseline") => SimdLevel::Baseline,
        Ok("avx2") => SimdLevel::Avx2,
        _ => SimdLevel::Avx512,
    }
}

/// Runs the kernels' loops at `level`, or at the best the CPU has when that is lower; returns
/// the level now in force. For tests and benchmarks that compare the paths in one process.
pub fn force_simd_level(level: SimdLevel) -> SimdLevel {
    let level = level.min(detected_simd_level());
    LEVEL.store(level as u8, Ordering::Relaxed);
    level
}

/// Defines a function whose body is compiled for AVX-512, AVX2 + FMA and the baseline, and
/// runs the best version allowed by [`simd_level`]. The body should call `#[inline(always)]`
/// helpers (and closures), which are then compiled into each version.
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn portable($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
                unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                    portable($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    portable($($arg),*)
                }
                match $crate::simd::simd_level() {
                    // SAFETY: simd_level only reports features the CPU has.
                    $crate::simd::SimdLevel::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: as above.
                    $crate::simd::SimdLevel::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::simd::SimdLevel::Baseline => {}
                }
            }
            portable($($arg),*)
        }
    };
}

pub(crate) use multiversion;

#[cfg(test)]
mod tests {
    use super::{SimdLevel, detected_simd_level};

    #[test]
    fn the_supported_levels_start_at_the_baseline_and_end_at_the_detected_one() {
        let supported = SimdLevel::supported();
        assert_eq!(supported[0], SimdLevel::Baseline);
        assert_eq!(supported.last(), Some(&detected_simd_level()));
        assert!(
            SimdLevel::ALL
                .iter()
                .all(|l| l.is_supported() == supported.contains(l))
        );
    }
}
