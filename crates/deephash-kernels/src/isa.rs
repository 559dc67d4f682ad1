//! Which vector instructions the kernels of this crate compile their own loops for, chosen at
//! run time, so that one binary runs on any x86-64 CPU (and elsewhere on the portable loop).
//!
//! Each kernel with ISA-specific code keeps one portable body (`#[inline(always)]`) and
//! instantiates it inside `#[target_feature]` functions; the compiler vectorises each copy
//! for its instruction set. The results of the paths agree to rounding (the same operations
//! in the same order, only wider).

use std::sync::OnceLock;

/// An instruction set a kernel can run its loops with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// Baseline instructions of the target (SSE2 on x86-64).
    Portable,
    /// AVX2 and FMA (x86-64, Haswell / Zen and later).
    Avx2,
    /// AVX-512F (x86-64, Skylake-SP / Zen 4 and later).
    Avx512,
}

impl Isa {
    /// Every instruction set, from the narrowest.
    pub const ALL: [Self; 3] = [Self::Portable, Self::Avx2, Self::Avx512];

    /// The widest instruction set this CPU supports (detected once per process).
    pub fn detect() -> Self {
        static BEST: OnceLock<Isa> = OnceLock::new();
        *BEST.get_or_init(|| {
            Self::ALL
                .into_iter()
                .rev()
                .find(|isa| isa.is_supported())
                .unwrap_or(Self::Portable)
        })
    }

    /// Whether this CPU can run code compiled for this instruction set.
    pub fn is_supported(self) -> bool {
        match self {
            Self::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 => is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            Self::Avx2 | Self::Avx512 => false,
        }
    }

    /// The instruction sets this CPU supports (what a test should cover).
    pub fn supported() -> Vec<Self> {
        Self::ALL.into_iter().filter(|i| i.is_supported()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Isa;

    #[test]
    fn the_detected_set_is_supported_and_the_widest() {
        let best = Isa::detect();
        assert!(best.is_supported());
        assert_eq!(Isa::supported().last(), Some(&best));
        assert_eq!(Isa::supported()[0], Isa::Portable);
    }
}
