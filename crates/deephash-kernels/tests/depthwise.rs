//! `depthwise_forward` against the definition of a depthwise convolution in f64: 3 × 3 and
//! 5 × 5 kernels, strides 1 and 2, symmetric, TensorFlow-"same" (asymmetric) and no padding,
//! output widths that fill 8-, 16- and 32-column blocks partly, bias, residual and the
//! activations; every instruction set this CPU supports, and the paths against each other.

mod common;

use common::{Rng, epilogue_reference};
use deephash_kernels::simd::SimdLevel;
use deephash_kernels::{
    Activation, ConvShape, Epilogue, KernelError, depthwise_forward, depthwise_forward_with,
};

/// The depthwise convolution by its definition, in f64.
fn reference(input: &[f32], weight: &[f32], s: &ConvShape, e: &Epilogue<'_>) -> Vec<f32> {
    let [h, w] = s.in_hw;
    let [kh, kw] = s.kernel;
    let [ho, wo] = s.out_hw;
    let c_n = s.in_channels;
    let mut out = vec![0.0; s.output_len()];
    for n in 0..s.batch {
        for c in 0..c_n {
            for oy in 0..ho {
                for ox in 0..wo {
                    let mut acc = e.bias.map_or(0.0, |b| b[c] as f64);
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let Some((iy, ix)) = common::input_pixel(s, [oy, ox], [ky, kx]) else {
                                continue;
                            };
                            let x = input[((n * c_n + c) * h + iy) * w + ix];
                            acc += x as f64 * weight[(c * kh + ky) * kw + kx] as f64;
                        }
                    }
                    let at = ((n * c_n + c) * ho + oy) * wo + ox;
                    out[at] = epilogue_reference(acc, e, at);
                }
            }
        }
    }
    out
}

struct Case {
    batch: usize,
    channels: usize,
    side: [usize; 2],
    kernel: usize,
    stride: usize,
    padding: [(usize, usize); 2],
    bias: bool,
    residual: bool,
    activation: Activation,
}

/// Runs `case` with every supported instruction set; checks each against the definition and
/// returns the outputs in [`SimdLevel::supported`] order.
fn check(case: &Case, rng: &mut Rng) -> Vec<Vec<f32>> {
    let shape = ConvShape::new(
        case.batch,
        case.channels,
        case.side,
        case.channels,
        [case.kernel; 2],
        [case.stride; 2],
        case.padding,
    )
    .unwrap();
    let input = rng.values(shape.input_len());
    let weight = rng.values(case.channels * case.kernel * case.kernel);
    // Values of a few units, so that ReLU6 clips some of them.
    let bias: Vec<f32> = rng.values(case.channels).iter().map(|v| 4.0 * v).collect();
    let residual = rng.values(shape.output_len());
    let epilogue = Epilogue {
        bias: case.bias.then_some(&bias[..]),
        residual: case.residual.then_some(&residual[..]),
        activation: case.activation,
    };
    let expected = reference(&input, &weight, &shape, &epilogue);
    let scale = expected.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let mut outputs = Vec::new();
    for isa in SimdLevel::supported() {
        let mut output = vec![f32::NAN; shape.output_len()];
        depthwise_forward_with(isa, &input, &weight, &shape, &epilogue, &mut output).unwrap();
        for (i, (got, want)) in output.iter().zip(&expected).enumerate() {
            assert!(
                (got - want).abs() <= 1e-5 * scale,
                "{isa:?} {shape:?} at {i}: {got} vs {want}"
            );
        }
        outputs.push(output);
    }
    outputs
}

#[test]
fn matches_the_definition_for_every_instruction_set() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let acts = [Activation::Identity, Activation::Relu, Activation::Relu6];
    let mut count = 0;
    for kernel in [3, 5] {
        for stride in [1, 2] {
            // Output widths 3..=40 cover partly filled blocks of each width.
            for (i, side) in [[7, 7], [12, 17], [30, 23], [40, 40], [5, 80]]
                .into_iter()
                .enumerate()
            {
                let pad = kernel / 2;
                // Symmetric (PyTorch), TensorFlow "same" for stride 2 (less before than after),
                // and none.
                let padding = match i % 3 {
                    0 => [(pad, pad); 2],
                    1 => [(pad - 1 + stride % 2, pad + 1 - stride % 2); 2],
                    _ => [(0, 0); 2],
                };
                let case = Case {
                    batch: 1 + i % 3,
                    channels: 3 + 5 * i,
                    side,
                    kernel,
                    stride,
                    padding,
                    bias: (i + stride) % 2 == 0 || kernel == 5,
                    residual: i == 1,
                    activation: acts[count % 3],
                };
                let outputs = check(&case, &mut rng);
                for other in &outputs[1..] {
                    for (a, b) in outputs[0].iter().zip(other) {
                        assert!((a - b).abs() <= 1e-5 * a.abs().max(1.0), "{a} vs {b}");
                    }
                }
                count += 1;
            }
        }
    }
    assert_eq!(count, 20);
}

#[test]
fn tensorflow_same_padding_of_efficientnet_strided_blocks() {
    let mut rng = Rng(7);
    // EfficientNet-Lite's stride-2 blocks: 3 × 3 pads (0, 1), 5 × 5 pads (1, 2).
    for (kernel, padding) in [(3, (0, 1)), (5, (1, 2))] {
        check(
            &Case {
                batch: 2,
                channels: 6,
                side: [14, 14],
                kernel,
                stride: 2,
                padding: [padding; 2],
                bias: true,
                residual: false,
                activation: Activation::Relu6,
            },
            &mut rng,
        );
    }
}

#[test]
fn rejects_wrong_lengths_and_unequal_channels() {
    let shape = ConvShape::new(1, 4, [5, 5], 4, [3, 3], [1, 1], [(1, 1), (1, 1)]).unwrap();
    let mut output = vec![0.0; shape.output_len()];
    let err = depthwise_forward(
        &vec![0.0; shape.input_len()],
        // A dense weight is not a depthwise one.
        &vec![0.0; shape.weight_len()],
        &shape,
        &Epilogue::default(),
        &mut output,
    )
    .unwrap_err();
    assert!(
        matches!(err, KernelError::BufferLength { name: "weight", .. }),
        "{err}"
    );
    let dense = ConvShape::new(1, 4, [5, 5], 8, [3, 3], [1, 1], [(1, 1), (1, 1)]).unwrap();
    let mut output = vec![0.0; dense.output_len()];
    let err = depthwise_forward(
        &vec![0.0; dense.input_len()],
        &[0.0; 36],
        &dense,
        &Epilogue::default(),
        &mut output,
    )
    .unwrap_err();
    assert!(matches!(err, KernelError::BufferLength { .. }), "{err}");
}
