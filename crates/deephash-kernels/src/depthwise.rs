//! Depthwise 2-D convolution (groups = channels: one `kh × kw` filter per channel, as in
//! EfficientNet-Lite's MBConv blocks), NCHW in and out, with the [`Epilogue`] (bias carrying a
//! folded batch norm, residual, ReLU / ReLU6) applied as each output row is written.
//!
//! Why not im2col + GEMM: each output value reads only `kh · kw` inputs of its own channel, so a
//! GEMM would have an inner dimension of 9 or 25 and a copy as large as the work. Instead each
//! `(image, channel)` plane runs on one rayon task:
//!
//! 1. the plane is copied once into a zero-padded buffer, its columns split by phase
//!    (`x mod stride`), so that every kernel tap of a row of outputs reads a *contiguous* run
//!    of that buffer, for stride 1 and 2 alike, with no bounds checks;
//! 2. outputs are accumulated in blocks of 8, 16 or 32 columns (the block fits in vector
//!    registers), tap after tap (`acc += w · x`);
//! 3. the block gets the epilogue and goes to the output.
//!
//! The loops are one portable body compiled for AVX-512F, AVX2 + FMA and the baseline
//! instructions, chosen at run time ([`SimdLevel`]).

use std::cell::RefCell;

use rayon::prelude::*;

use crate::buffer::grow;
use crate::simd::{SimdLevel, simd_level};
use crate::{ConvShape, Epilogue, KernelError};

thread_local! {
    /// The padded, phase-split plane of the task running on this thread (grows only).
    static PHASES: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `output = act(depthwise(input, weight) + bias + residual)` in NCHW, with the widest
/// instruction set of this CPU.
///
/// `shape.in_channels == shape.out_channels` (the channels); `input` is `[N, C, H, W]`,
/// `weight` `[C, 1, kh, kw]`, `output` `[N, C, Ho, Wo]`; the [`Epilogue`]'s bias has `C`
/// values and its residual the output's shape. Errors when a length does not match.
pub fn depthwise_forward(
    input: &[f32],
    weight: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    output: &mut [f32],
) -> Result<(), KernelError> {
    depthwise_forward_with(simd_level(), input, weight, shape, epilogue, output)
}

/// [`depthwise_forward`] with the loops of a given instruction set (tests compare them);
/// an error when this CPU does not support it.
pub fn depthwise_forward_with(
    isa: SimdLevel,
    input: &[f32],
    weight: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    output: &mut [f32],
) -> Result<(), KernelError> {
    check(input, weight, shape, epilogue, output)?;
    if !isa.is_supported() {
        return Err(KernelError::UnsupportedSimdLevel(isa));
    }
    let (channels, taps) = (shape.in_channels, shape.kernel[0] * shape.kernel[1]);
    let in_plane = shape.in_hw[0] * shape.in_hw[1];
    let out_plane = shape.out_pixels();
    let plan = Plan::new(shape);
    output
        .par_chunks_mut(out_plane)
        .enumerate()
        .for_each(|(p, out)| {
            let c = p % channels;
            let job = PlaneJob {
                input: &input[p * in_plane..(p + 1) * in_plane],
                weight: &weight[c * taps..(c + 1) * taps],
                bias: epilogue.bias.map_or(0.0, |b| b[c]),
                offset: p * out_plane,
                epilogue,
                plan: &plan,
            };
            PHASES.with_borrow_mut(|phases| {
                grow(phases, plan.phases_len());
                job.run(isa, &mut phases[..plan.phases_len()], out);
            });
        });
    Ok(())
}

fn check(
    input: &[f32],
    weight: &[f32],
    shape: &ConvShape,
    epilogue: &Epilogue<'_>,
    output: &[f32],
) -> Result<(), KernelError> {
    let c = shape.in_channels;
    let check = KernelError::check_len;
    check("output channels", c, shape.out_channels)?;
    check("input", shape.input_len(), input.len())?;
    check(
        "weight",
        c * shape.kernel[0] * shape.kernel[1],
        weight.len(),
    )?;
    check("output", shape.output_len(), output.len())?;
    if let Some(bias) = epilogue.bias {
        check("bias", c, bias.len())?;
    }
    if let Some(residual) = epilogue.residual {
        check("residual", shape.output_len(), residual.len())?;
    }
    Ok(())
}

/// The sizes of the padded, phase-split plane and of the output blocks.
struct Plan {
    shape: ConvShape,
    /// Output columns per block (8, 16 or 32).
    block: usize,
    /// Blocks per output row.
    blocks: usize,
    /// Padded rows that the outputs read: `(Ho - 1) · sy + kh`.
    rows: usize,
    /// Values per phase row: every tap of every block stays inside.
    phase_width: usize,
}

impl Plan {
    fn new(shape: &ConvShape) -> Self {
        let [ho, wo] = shape.out_hw;
        let [kh, kw] = shape.kernel;
        let block = match wo {
            0..=8 => 8,
            9..=16 => 16,
            _ => 32,
        };
        let blocks = wo.div_ceil(block);
        Self {
            shape: *shape,
            block,
            blocks,
            rows: (ho - 1) * shape.stride[0] + kh,
            phase_width: blocks * block + (kw - 1) / shape.stride[1],
        }
    }

    fn phases_len(&self) -> usize {
        self.shape.stride[1] * self.rows * self.phase_width
    }
}

/// One `(image, channel)` plane.
struct PlaneJob<'a> {
    input: &'a [f32],
    weight: &'a [f32],
    bias: f32,
    /// Where the plane starts in the output (and in the epilogue's residual).
    offset: usize,
    epilogue: &'a Epilogue<'a>,
    plan: &'a Plan,
}

impl PlaneJob<'_> {
    fn run(&self, isa: SimdLevel, phases: &mut [f32], out: &mut [f32]) {
        match (isa, self.plan.block) {
            #[cfg(target_arch = "x86_64")]
            (SimdLevel::Avx512, 8) => unsafe { self.avx512::<8>(phases, out) },
            #[cfg(target_arch = "x86_64")]
            (SimdLevel::Avx512, 16) => unsafe { self.avx512::<16>(phases, out) },
            #[cfg(target_arch = "x86_64")]
            (SimdLevel::Avx512, _) => unsafe { self.avx512::<32>(phases, out) },
            #[cfg(target_arch = "x86_64")]
            (SimdLevel::Avx2, 8) => unsafe { self.avx2::<8>(phases, out) },
            #[cfg(target_arch = "x86_64")]
            (SimdLevel::Avx2, 16) => unsafe { self.avx2::<16>(phases, out) },
            #[cfg(target_arch = "x86_64")]
            (SimdLevel::Avx2, _) => unsafe { self.avx2::<32>(phases, out) },
            (_, 8) => self.body::<8>(phases, out),
            (_, 16) => self.body::<16>(phases, out),
            _ => self.body::<32>(phases, out),
        }
    }

    /// # Safety
    /// The CPU supports AVX-512F (checked by the caller through [`SimdLevel::is_supported`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn avx512<const B: usize>(&self, phases: &mut [f32], out: &mut [f32]) {
        self.body::<B>(phases, out);
    }

    /// # Safety
    /// The CPU supports AVX2 and FMA (checked by the caller through [`SimdLevel::is_supported`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2<const B: usize>(&self, phases: &mut [f32], out: &mut [f32]) {
        self.body::<B>(phases, out);
    }

    #[inline(always)]
    fn body<const B: usize>(&self, phases: &mut [f32], out: &mut [f32]) {
        self.fill_phases(phases);
        let plan = self.plan;
        let s = &plan.shape;
        let ([kh, kw], [sy, sx]) = (s.kernel, s.stride);
        let [ho, wo] = s.out_hw;
        let (rows, width) = (plan.rows, plan.phase_width);
        for oy in 0..ho {
            for b in 0..plan.blocks {
                let mut acc = [self.bias; B];
                for ky in 0..kh {
                    let r = oy * sy + ky;
                    for kx in 0..kw {
                        let w = self.weight[ky * kw + kx];
                        let at = ((kx % sx) * rows + r) * width + b * B + kx / sx;
                        let src: &[f32; B] = phases[at..at + B].try_into().expect("block");
                        for (a, x) in acc.iter_mut().zip(src) {
                            *a += w * x;
                        }
                    }
                }
                let x0 = b * B;
                let n = B.min(wo - x0);
                let at = oy * wo + x0;
                // The bias is in `acc` already.
                self.epilogue
                    .write_span(&mut out[at..at + n], &acc[..n], 0.0, self.offset + at);
            }
        }
    }

    /// `phases[(p · rows + r) · width + q]` = padded input at row `r`, column `q · sx + p`
    /// (zero outside the input).
    #[inline(always)]
    fn fill_phases(&self, phases: &mut [f32]) {
        let plan = self.plan;
        let s = &plan.shape;
        let ([h, w], sx) = (s.in_hw, s.stride[1]);
        let [top, left] = s.pad_start;
        let (rows, width) = (plan.rows, plan.phase_width);
        for p in 0..sx {
            for r in 0..rows {
                let dst = &mut phases[(p * rows + r) * width..][..width];
                let iy = r as isize - top as isize;
                if iy < 0 || iy >= h as isize {
                    dst.fill(0.0);
                    continue;
                }
                let src = &self.input[iy as usize * w..][..w];
                // Column q reads input column q · sx + p − left: the first q inside the input
                // and the number of them.
                let first = (left.saturating_sub(p)).div_ceil(sx);
                let x_first = first * sx + p - left;
                let count = if x_first < w {
                    (w - x_first).div_ceil(sx).min(width.saturating_sub(first))
                } else {
                    0
                };
                let first = first.min(width);
                dst[..first].fill(0.0);
                if sx == 1 {
                    dst[first..first + count].copy_from_slice(&src[x_first..x_first + count]);
                } else {
                    for (i, d) in dst[first..first + count].iter_mut().enumerate() {
                        *d = src[x_first + i * sx];
                    }
                }
                dst[first + count..].fill(0.0);
            }
        }
    }
}
