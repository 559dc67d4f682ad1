//! Errors of the kernels: a shape or buffer that does not fit the convolution asked for.

/// A convolution that cannot run on the buffers given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KernelError {
    /// The kernel does not fit in the padded input, or a size is zero.
    #[error("convolution geometry is empty: {0}")]
    EmptyGeometry(String),
    /// A buffer's length differs from what the shape says it must be.
    #[error("{name} holds {actual} values but the convolution needs {expected}")]
    BufferLength {
        /// Which buffer (input, weight, bias, residual, output).
        name: &'static str,
        /// The length the shape requires.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The Winograd convolution was asked for a convolution it does not compute (only 3 × 3,
    /// stride 1).
    #[error("not a 3 x 3 stride-1 convolution (Winograd F(2x2, 3x3)): {0}")]
    NotWinograd(String),
    /// A kernel was asked to run with vector instructions this CPU lacks.
    #[error("this CPU does not support the {0:?} instruction set")]
    UnsupportedSimdLevel(crate::simd::SimdLevel),
}

impl KernelError {
    /// `Ok` when a buffer holds `actual == expected` values, else [`KernelError::BufferLength`].
    pub(crate) fn check_len(
        name: &'static str,
        expected: usize,
        actual: usize,
    ) -> Result<(), KernelError> {
        (expected == actual)
            .then_some(())
            .ok_or(KernelError::BufferLength {
                name,
                expected,
                actual,
            })
    }
}
