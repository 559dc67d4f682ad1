//! The geometry of one 2-D convolution: sizes of input, kernel, stride, padding and output.

use crate::KernelError;

/// Geometry of a 2-D convolution with groups = 1 and dilation = 1, NCHW layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvShape {
    /// Images in the batch (N).
    pub batch: usize,
    /// Input channels (C).
    pub in_channels: usize,
    /// Input height and width.
    pub in_hw: [usize; 2],
    /// Output channels (O).
    pub out_channels: usize,
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Vertical and horizontal stride.
    pub stride: [usize; 2],
    /// Zero padding (top, left); the bottom and right padding only set the output size.
    pub pad_start: [usize; 2],
    /// Output height and width.
    pub out_hw: [usize; 2],
}

impl ConvShape {
    /// The geometry of a convolution with padding `[(top, bottom), (left, right)]`; an error
    /// when the kernel does not fit the padded input or a size is zero.
    pub fn new(
        batch: usize,
        in_channels: usize,
        in_hw: [usize; 2],
        out_channels: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [(usize, usize); 2],
    ) -> Result<Self, KernelError> {
        let out = |axis: usize| {
            let padded = in_hw[axis] + padding[axis].0 + padding[axis].1;
            (stride[axis] > 0 && kernel[axis] > 0 && padded >= kernel[axis])
                .then(|| (padded - kernel[axis]) / stride[axis] + 1)
        };
        let shape = match (out(0), out(1)) {
            (Some(h), Some(w)) => Self {
                batch,
                in_channels,
                in_hw,
                out_channels,
                kernel,
                stride,
                pad_start: [padding[0].0, padding[1].0],
                out_hw: [h, w],
            },
            _ => {
                return Err(KernelError::EmptyGeometry(format!(
                    "{in_hw:?} kernel {kernel:?} stride {stride:?} padding {padding:?}"
                )));
            }
        };
        if [batch, in_channels, out_channels, in_hw[0], in_hw[1]].contains(&0) {
            return Err(KernelError::EmptyGeometry(format!("{shape:?}")));
        }
        Ok(shape)
    }

    /// Rows of the im2col matrix: `C · kh · kw` (the GEMM's inner dimension).
    pub fn depth(&self) -> usize {
        self.in_channels * self.kernel[0] * self.kernel[1]
    }

    /// Output pixels per image and channel: `Ho · Wo`.
    pub fn out_pixels(&self) -> usize {
        self.out_hw[0] * self.out_hw[1]
    }

    /// Columns of the batch-folded im2col matrix: `N · Ho · Wo`.
    pub fn columns(&self) -> usize {
        self.batch * self.out_pixels()
    }

    /// Values in the input `[N, C, H, W]`.
    pub fn input_len(&self) -> usize {
        self.batch * self.in_channels * self.in_hw[0] * self.in_hw[1]
    }

    /// Values in the weight `[O, C, kh, kw]`.
    pub fn weight_len(&self) -> usize {
        self.out_channels * self.depth()
    }

    /// Values in the output `[N, O, Ho, Wo]`.
    pub fn output_len(&self) -> usize {
        self.out_channels * self.columns()
    }

    /// A 1 × 1, stride-1, unpadded convolution: a plain GEMM on the input, no im2col copy.
    pub fn is_pointwise(&self) -> bool {
        self.kernel == [1, 1]
            && self.stride == [1, 1]
            && self.pad_start == [0, 0]
            && self.out_hw == self.in_hw
    }
}
