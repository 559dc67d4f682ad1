//! The C allocator's settings for this process.
//!
//! glibc hands freed memory at the top of its heap back to the system as soon as 128 KiB are
//! free there (and serves large blocks with `mmap`, unmapped on free), and a training or
//! inference step frees and allocates the same tens of megabytes of activations every step:
//! each step then faulted in, and zeroed, pages it had just given back (about 12 % of a small-CNN
//! training step in `perf`: page faults, `munmap`, heap trimming). PyTorch keeps such memory in
//! its own caching allocator; here glibc is told to keep it.

/// Keeps freed memory in the process: no heap trimming below 1 GiB free, and every block from
/// the heap, however large (`M_MMAP_MAX` 0: glibc's mmap threshold cannot be raised above
/// 32 MiB, and ResNet's and EfficientNet's activations at batch 32 are 50-100 MiB, each of
/// which was mapped, zeroed by the kernel and unmapped again every layer). Measured A/B with
/// 2 threads on Zen 4 (session 9, loaded machine, CPU time): EfficientNet-Lite0 inference
/// 1.24x less CPU, ResNet-50 1.08x, ResNet-18 1.03x (inference and training step), system
/// time halved; peak resident memory lower in every case (ResNet-18 training 615 -> 543 MB),
/// since freed blocks are reused instead of new mappings being made while old ones are still
/// held. Memory is returned at exit.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    // SAFETY: mallopt only changes allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_MMAP_MAX, 0);
    }
}

/// Other platforms' allocators keep their defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
