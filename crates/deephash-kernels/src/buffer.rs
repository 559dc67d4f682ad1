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

    /// The values `range` of the shared buffer as possibly uninitialised slots, for kernels
    /// that only write them.
    ///
    /// # Safety
    /// `range` lies inside the buffer and no other task touches it while the slice lives.
    pub(crate) unsafe fn slice_uninit<'a>(
        self,
        range: std::ops::Range<usize>,
    ) -> &'a mut [std::mem::MaybeUninit<f32>] {
        // SAFETY: the caller's contract; MaybeUninit<f32> has f32's layout.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(range.start).cast(), range.len()) }
    }
}

/// `dst.copy_from_slice(src)` for the short rows of im2col and friends (7–56 values) without
/// a call to `memmove`: fixed-size chunks that compile to vector moves, the tail as one more
/// chunk overlapping the last. Lengths must match.
#[inline(always)]
pub(crate) fn copy_short(dst: &mut [f32], src: &[f32]) {
    let len = dst.len();
    assert_eq!(len, src.len(), "copy_short: lengths differ");
    macro_rules! chunks {
        ($n:literal) => {{
            let mut i = 0;
            while i + $n <= len {
                let d: &mut [f32; $n] = (&mut dst[i..i + $n]).try_into().unwrap();
                *d = src[i..i + $n].try_into().unwrap();
                i += $n;
            }
            if i < len {
                let (d, s) = (len - $n, &src[len - $n..]);
                let d: &mut [f32; $n] = (&mut dst[d..]).try_into().unwrap();
                *d = s.try_into().unwrap();
            }
        }};
    }
    match len {
        16.. => chunks!(16),
        8.. => chunks!(8),
        4.. => chunks!(4),
        _ => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = *s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::copy_short;

    #[test]
    fn short_copies_copy_every_value_at_every_length() {
        let src: Vec<f32> = (0..70).map(|v| v as f32 + 0.5).collect();
        for len in 0..=70 {
            let mut dst = vec![f32::NAN; len];
            copy_short(&mut dst, &src[..len]);
            assert_eq!(dst, src[..len], "length {len}");
        }
    }
}
