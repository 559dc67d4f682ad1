//! Outputs the kernels only write: the batch-norm kernels take their outputs as possibly
//! uninitialised slots (`MaybeUninit<f32>`) and write every one, so that a caller can hand them
//! a fresh vector's spare capacity instead of zero-filling it first (a `memset` of every output
//! on the calling thread: ~2 % of a small-CNN training step).

use std::mem::MaybeUninit;

/// `values` as write-only slots, for a caller whose buffer is initialised already.
pub fn as_uninit(values: &mut [f32]) -> &mut [MaybeUninit<f32>] {
    // SAFETY: MaybeUninit<f32> has f32's layout, and safe code can only write initialised
    // f32 values through the slots, so `values` stays initialised.
    unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast(), values.len()) }
}

/// A vector of `len` values written by `fill` (a kernel call): no zero-filling pass first.
///
/// # Safety
/// When `fill` returns `Ok`, it has written every one of the `len` slots (the kernels taking
/// `MaybeUninit` outputs document that they do).
pub unsafe fn written_by<E>(
    len: usize,
    fill: impl FnOnce(&mut [MaybeUninit<f32>]) -> Result<(), E>,
) -> Result<Vec<f32>, E> {
    let mut values = Vec::with_capacity(len);
    fill(&mut values.spare_capacity_mut()[..len])?;
    // SAFETY: `fill` wrote all `len` values (the caller's contract).
    unsafe { values.set_len(len) };
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::{as_uninit, written_by};

    #[test]
    fn a_written_vector_holds_what_was_written_and_errors_pass_through() {
        // SAFETY: the closure writes every slot.
        let values = unsafe {
            written_by::<()>(5, |slots| {
                for (i, s) in slots.iter_mut().enumerate() {
                    s.write(i as f32 * 1.5);
                }
                Ok(())
            })
        };
        assert_eq!(values, Ok(vec![0.0, 1.5, 3.0, 4.5, 6.0]));
        // SAFETY: an error returns no vector.
        let failed = unsafe { written_by(3, |_| Err("no")) };
        assert_eq!(failed, Err("no"));
        let mut buffer = vec![1.0f32; 3];
        as_uninit(&mut buffer)[1].write(7.0);
        assert_eq!(buffer, [1.0, 7.0, 1.0]);
    }
}
