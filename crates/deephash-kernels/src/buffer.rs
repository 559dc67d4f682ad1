//! Per-thread working buffers that only ever grow, so that a tile never allocates once the
//! buffers have reached their largest size.

/// Makes `buffer` at least `len` long (it only ever grows).
pub(crate) fn grow(buffer: &mut Vec<f32>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
}

/// The output pointer, shared by the tasks that each write their own disjoint part.
#[derive(Clone, Copy)]
pub(crate) struct SharedMut(pub(crate) *mut f32);
// SAFETY: every user writes ranges no other task touches at the same time.
unsafe impl Send for SharedMut {}
unsafe impl Sync for SharedMut {}

impl SharedMut {
    /// The values `range` of the shared buffer.
    ///
    /// # Safety
    /// `range` lies inside the buffer and no other task touches it while the slice lives.
    pub(crate) unsafe fn slice<'a>(self, range: std::ops::Range<usize>) -> &'a mut [f32] {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(range.start), range.len()) }
    }
}
