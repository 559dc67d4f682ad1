//! Hamming distance kernels, chosen once at run time from the CPU's features.
//!
//! Every kernel works on a row-major buffer of codes of `stride` bytes where
//! `stride` is a multiple of 8 (the index pads shorter codes with zero bytes,
//! which leaves distances unchanged). Two operations exist:
//! [`Kernel::distances`] writes every distance, and [`Kernel::collect_below`]
//! appends the sort key `(distance << 32) | id` of every code closer than a
//! threshold (used by k-NN and radius search).

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod scalar;

/// A distance kernel. All variants give identical results; they differ in speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Portable Rust (`u64::count_ones`, no special instruction).
    Scalar,
    /// Scalar loop compiled with the `popcnt` instruction.
    Popcnt,
    /// AVX2 nibble-lookup popcount, 16 codes per step for 64-bit codes.
    Avx2,
    /// AVX-512 `VPOPCNTQ` (AVX512F + AVX512_VPOPCNTDQ).
    Avx512,
}

impl Kernel {
    /// The fastest kernel this CPU supports.
    pub fn detect() -> Self {
        Self::available()
            .into_iter()
            .last()
            .unwrap_or(Kernel::Scalar)
    }

    /// Every kernel this CPU can run, slowest first (always starts with `Scalar`).
    pub fn available() -> Vec<Self> {
        let mut out = vec![Kernel::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("popcnt") {
                out.push(Kernel::Popcnt);
                if std::arch::is_x86_feature_detected!("avx2") {
                    out.push(Kernel::Avx2);
                }
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
                {
                    out.push(Kernel::Avx512);
                }
            }
        }
        out
    }

    /// A short lowercase name (`scalar`, `popcnt`, `avx2`, `avx512`).
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Scalar => "scalar",
            Kernel::Popcnt => "popcnt",
            Kernel::Avx2 => "avx2",
            Kernel::Avx512 => "avx512",
        }
    }

    fn check(self, query: &[u8], db: &[u8], stride: usize) {
        assert!(
            stride > 0 && stride.is_multiple_of(8),
            "stride {stride} must be a positive multiple of 8"
        );
        assert_eq!(query.len(), stride, "query length must equal the stride");
        assert_eq!(db.len() % stride, 0, "database length must be whole codes");
        assert!(
            Kernel::available().contains(&self),
            "kernel {self:?} not supported by this CPU"
        );
    }

    /// Writes the distance of `query` to every code of `db` into `out`
    /// (`out.len()` must equal the number of codes).
    pub fn distances(self, query: &[u8], db: &[u8], stride: usize, out: &mut [u16]) {
        self.check(query, db, stride);
        assert_eq!(
            out.len(),
            db.len() / stride,
            "output length must equal the number of codes"
        );
        match self {
            Kernel::Scalar => scalar::distances(query, db, stride, out),
            // SAFETY: `available()` (checked above) confirmed the CPU features.
            Kernel::Popcnt => unsafe { scalar::distances_popcnt(query, db, stride, out) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { avx2::distances(query, db, stride, out) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { avx512::distances(query, db, stride, out) },
            // Never listed by `available()` off x86-64.
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx2 | Kernel::Avx512 => unreachable!("{self:?} is x86-64 only"),
        }
    }

    /// Appends `(distance << 32) | (first_id + i)` for every code `i` of `db`
    /// whose distance to `query` is below `threshold`, in increasing `i`.
    pub fn collect_below(
        self,
        query: &[u8],
        db: &[u8],
        stride: usize,
        first_id: u32,
        threshold: u32,
        out: &mut Vec<u64>,
    ) {
        self.check(query, db, stride);
        match self {
            Kernel::Scalar => scalar::collect_below(query, db, stride, first_id, threshold, out),
            // SAFETY: `available()` (checked above) confirmed the CPU features.
            Kernel::Popcnt => unsafe {
                scalar::collect_below_popcnt(query, db, stride, first_id, threshold, out)
            },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe {
                avx2::collect_below(query, db, stride, first_id, threshold, out)
            },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe {
                avx512::collect_below(query, db, stride, first_id, threshold, out)
            },
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx2 | Kernel::Avx512 => unreachable!("{self:?} is x86-64 only"),
        }
    }

    /// Distance of `query` to each listed code id of `db` (for candidate
    /// verification in multi-index hashing).
    pub fn distances_of(
        self,
        query: &[u8],
        db: &[u8],
        stride: usize,
        ids: &[u32],
        out: &mut [u16],
    ) {
        self.check(query, db, stride);
        assert_eq!(ids.len(), out.len(), "one output per id");
        match self {
            Kernel::Scalar => scalar::distances_of(query, db, stride, ids, out),
            // SAFETY: every kernel beyond `Scalar` implies `popcnt` (see `available`).
            _ => unsafe { scalar::distances_of_popcnt(query, db, stride, ids, out) },
        }
    }
}

/// Appends the key of every lane set in `mask` to `out`: lane `i` owns mask bits
/// `i * bits_per_lane ..` (only the lowest may be set) and holds the distance
/// `distance(i)` of code `first_id + i`. Lanes come out in increasing order.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn push_lanes(
    mut mask: u64,
    bits_per_lane: u32,
    distance: impl Fn(usize) -> u32,
    first_id: u32,
    out: &mut Vec<u64>,
) {
    while mask != 0 {
        let lane = mask.trailing_zeros() / bits_per_lane;
        out.push(key(distance(lane as usize), first_id + lane));
        mask &= mask - 1;
    }
}

/// Packs a distance and an id into one sort key: ordering keys orders by
/// distance, then by id (lower first), which is the tie rule everywhere.
#[inline(always)]
pub fn key(distance: u32, id: u32) -> u64 {
    (u64::from(distance) << 32) | u64::from(id)
}
