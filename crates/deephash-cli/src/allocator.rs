//! The C allocator's settings for this process.
//!
//! glibc hands freed memory at the top of its heap back to the system as soon as 128 KiB are
//! free there (and serves large blocks with `mmap`, unmapped on free), and a training or
//! inference step frees and allocates the same tens of megabytes of activations every step:
//! each step then faulted in, and zeroed, pages it had just given back (about 12 % of a small-CNN
//! training step in `perf`: page faults, `munmap`, heap trimming). PyTorch keeps such memory in
//! its own caching allocator; here glibc is told to keep it.

/// Keeps freed memory in the process: no heap trimming below 1 GiB free, large blocks from the
/// heap up to glibc's maximum mmap threshold (32 MiB on 64-bit). The peak resident memory is
/// unchanged (it is the high-water mark either way); memory is returned at exit.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    // SAFETY: mallopt only changes allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    }
}

/// Other platforms' allocators keep their defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
