//! A counting global allocator for the memory tests: live heap bytes and
//! blocks (what the program holds) apart from resident memory (what the
//! allocator keeps from the system), so that a leak (live bytes grow) can be
//! told from allocator behaviour (live bytes flat, resident memory grows).
//! A test binary installs it with `#[global_allocator] static A: Counting = Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

static LIVE_BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE_BLOCKS: AtomicU64 = AtomicU64::new(0);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting what it hands out and takes back.
pub struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
            LIVE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
    }
}

fn grew(size: usize) {
    LIVE_BYTES.fetch_add(size as u64, Ordering::Relaxed);
    LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
}

/// The heap as the program sees it at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeapSample {
    /// Bytes allocated and not yet freed.
    pub live_bytes: u64,
    /// Blocks allocated and not yet freed.
    pub live_blocks: u64,
    /// Allocations and reallocations since the start.
    pub allocations: u64,
}

/// The counters now (only meaningful where [`Counting`] is the global allocator).
pub fn sample() -> HeapSample {
    HeapSample {
        live_bytes: LIVE_BYTES.load(Ordering::Relaxed),
        live_blocks: LIVE_BLOCKS.load(Ordering::Relaxed),
        allocations: ALLOCATIONS.load(Ordering::Relaxed),
    }
}

/// Resident memory of this process, in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// glibc's view of its heap: bytes taken from the system in arenas, bytes of
/// those free (held but unused: fragmentation and retention) and bytes in
/// separate mappings. `None` off glibc.
#[derive(Clone, Copy, Debug, Default)]
pub struct MallocSample {
    /// Bytes in the arenas (main heap and per-thread arenas).
    pub arena: u64,
    /// Free bytes inside the arenas.
    pub free: u64,
    /// Bytes in blocks mapped on their own (large allocations).
    pub mapped: u64,
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn malloc_sample() -> Option<MallocSample> {
    // glibc's `struct mallinfo2` (glibc 2.33 and later): ten `size_t` fields.
    #[repr(C)]
    struct MallInfo2 {
        arena: usize,
        ordblks: usize,
        smblks: usize,
        hblks: usize,
        hblkhd: usize,
        usmblks: usize,
        fsmblks: usize,
        uordblks: usize,
        fordblks: usize,
        keepcost: usize,
    }
    unsafe extern "C" {
        fn mallinfo2() -> MallInfo2;
    }
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct.
    let m = unsafe { mallinfo2() };
    Some(MallocSample {
        arena: m.arena as u64,
        free: m.fordblks as u64,
        mapped: m.hblkhd as u64,
    })
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn malloc_sample() -> Option<MallocSample> {
    None
}
