//! What is applied to a convolution's output while its tile is written back: the bias (which
//! carries a folded batch norm), a residual to add, and the activation.

use crate::ConvShape;
use crate::tiles::Run;

/// The activation applied last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// None.
    #[default]
    Identity,
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)` (EfficientNet-Lite).
    Relu6,
}

impl Activation {
    /// The activation of one value.
    #[inline(always)]
    pub(crate) fn apply(self, x: f32) -> f32 {
        match self {
            Self::Identity => x,
            Self::Relu => x.max(0.0),
            Self::Relu6 => x.clamp(0.0, 6.0),
        }
    }
}

/// The operations fused into the output of a convolution: `act(conv + bias + residual)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Epilogue<'a> {
    /// One value per output channel.
    pub bias: Option<&'a [f32]>,
    /// A tensor of the output's shape `[N, O, Ho, Wo]` added before the activation.
    pub residual: Option<&'a [f32]>,
    /// The activation.
    pub activation: Activation,
}

impl Epilogue<'_> {
    /// Writes the GEMM result of one tile (`O × tile_columns`, row-major) to its places in the
    /// NCHW output, applying bias, residual and activation on the way.
    ///
    /// # Safety
    /// `output` points to the whole output of `shape`; no other thread writes the pixels of
    /// `runs` at the same time.
    pub(crate) unsafe fn write_tile(
        &self,
        shape: &ConvShape,
        tile: &[f32],
        tile_columns: usize,
        runs: &[Run],
        output: *mut f32,
    ) {
        let (channels, pixels) = (shape.out_channels, shape.out_pixels());
        for o in 0..channels {
            let bias = self.bias.map_or(0.0, |b| b[o]);
            let row = &tile[o * tile_columns..(o + 1) * tile_columns];
            for run in runs {
                let at = (run.image * channels + o) * pixels + run.pixel;
                let src = &row[run.column..run.column + run.len];
                // SAFETY: `at..at + len` lies in the output and belongs to this tile only.
                let dst = unsafe { std::slice::from_raw_parts_mut(output.add(at), run.len) };
                self.write_span(dst, src, bias, at);
            }
        }
    }

    /// Writes `act(value + bias + residual)` of each of `values` to `dst`, the output's
    /// pixels from offset `at` (where the residual is read). Every kernel's output goes
    /// through here; inlined, it is compiled for the caller's SIMD level.
    #[inline(always)]
    pub(crate) fn write_span(&self, dst: &mut [f32], values: &[f32], bias: f32, at: usize) {
        match self.residual {
            Some(res) => {
                let res = &res[at..at + dst.len()];
                for ((d, s), r) in dst.iter_mut().zip(values).zip(res) {
                    *d = self.activation.apply(s + bias + r);
                }
            }
            None => {
                for (d, s) in dst.iter_mut().zip(values) {
                    *d = self.activation.apply(s + bias);
                }
            }
        }
    }
}
