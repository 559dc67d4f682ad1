//! The allocation cap of the fuzz binaries (the test binaries and the AFL harness install it
//! as their global allocator): a header claiming gigabytes must be refused, not trusted.

use std::alloc::{GlobalAlloc, Layout, System};

/// Largest single allocation the parsers may make on these small inputs. Beyond it the
/// allocation fails, so `try_reserve` callers see an error and anything else aborts with
/// "memory allocation of N bytes failed" (a finding).
pub const ALLOC_CAP: usize = 256 << 20;

/// The system allocator with [`ALLOC_CAP`].
pub struct Capped;

unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOC_CAP {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOC_CAP {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > ALLOC_CAP {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}
