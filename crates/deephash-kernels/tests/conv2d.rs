//! `conv2d_forward` against a direct six-loop convolution on random shapes: strides 1 and 2,
//! 1 × 1, 3 × 3, 5 × 5 and 7 × 7 kernels, asymmetric padding, with and without bias, residual
//! and activations, batches whose tiles straddle images.

mod common;

use common::{Rng, at_every_simd_level, conv_reference as reference};
use deephash_kernels::{Activation, ConvShape, Epilogue, KernelError, conv2d_forward};

struct Case {
    batch: usize,
    channels: [usize; 2],
    side: [usize; 2],
    kernel: usize,
    stride: usize,
    padding: [(usize, usize); 2],
    bias: bool,
    residual: bool,
    activation: Activation,
}

fn check(case: &Case, rng: &mut Rng) {
    let shape = ConvShape::new(
        case.batch,
        case.channels[0],
        case.side,
        case.channels[1],
        [case.kernel; 2],
        [case.stride; 2],
        case.padding,
    )
    .unwrap();
    let input = rng.values(shape.input_len());
    let weight = rng.values(shape.weight_len());
    let bias = rng.values(shape.out_channels);
    let residual = rng.values(shape.output_len());
    let epilogue = Epilogue {
        bias: case.bias.then_some(&bias[..]),
        residual: case.residual.then_some(&residual[..]),
        activation: case.activation,
    };
    let mut output = vec![f32::NAN; shape.output_len()];
    conv2d_forward(&input, &weight, &shape, &epilogue, &mut output).unwrap();
    let expected = reference(&input, &weight, &shape, &epilogue);
    let scale = expected.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (i, (got, want)) in output.iter().zip(&expected).enumerate() {
        assert!(
            (got - want).abs() <= 1e-5 * scale,
            "{shape:?} at {i}: {got} vs {want}"
        );
    }
}

#[test]
fn matches_the_definition_on_many_shapes() {
    // im2col and col2im are compiled for each instruction set: every path the CPU has.
    at_every_simd_level(many_shapes);
}

fn many_shapes() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let acts = [Activation::Identity, Activation::Relu, Activation::Relu6];
    let mut count = 0;
    for (kernel, pad) in [(1, 0), (3, 1), (5, 2), (7, 3)] {
        for stride in [1, 2] {
            for (i, side) in [[7, 7], [9, 6], [16, 13]].into_iter().enumerate() {
                let case = Case {
                    batch: 1 + i + stride,
                    channels: [3 + 2 * i, 5 + 7 * i],
                    side,
                    kernel,
                    stride,
                    padding: [(pad, pad); 2],
                    bias: (i + stride) % 2 == 0,
                    residual: i == 1,
                    activation: acts[(count) % 3],
                };
                check(&case, &mut rng);
                count += 1;
            }
        }
    }
    assert_eq!(count, 24);
}

#[test]
fn asymmetric_padding_and_pointwise_tiles_across_images() {
    let mut rng = Rng(42);
    // TensorFlow-style "same" padding of a strided 3 x 3 (EfficientNet's stem): 0 before, 1 after.
    check(
        &Case {
            batch: 3,
            channels: [3, 8],
            side: [12, 12],
            kernel: 3,
            stride: 2,
            padding: [(0, 1), (0, 1)],
            bias: true,
            residual: false,
            activation: Activation::Relu6,
        },
        &mut rng,
    );
    // Stride 1 with the output as wide as the input but the padding uneven (the shifted im2col
    // of whole image segments), and taller than wide padding: 3 x 3 and 5 x 5, small images
    // so that tiles hold several images.
    for (kernel, padding) in [
        (3, [(2, 0), (0, 2)]),
        (5, [(1, 3), (3, 1)]),
        (3, [(0, 0), (1, 1)]),
    ] {
        check(
            &Case {
                batch: 7,
                channels: [5, 9],
                side: [6, 7],
                kernel,
                stride: 1,
                padding,
                bias: true,
                residual: true,
                activation: Activation::Relu,
            },
            &mut rng,
        );
    }
    // Pointwise, 5 x 5 images: 25 columns per image, so tiles of 16 start mid-image.
    check(
        &Case {
            batch: 9,
            channels: [40, 24],
            side: [5, 5],
            kernel: 1,
            stride: 1,
            padding: [(0, 0); 2],
            bias: true,
            residual: true,
            activation: Activation::Relu,
        },
        &mut rng,
    );
    // Pointwise on a larger image: tiles inside one image read the input in place.
    check(
        &Case {
            batch: 2,
            channels: [16, 32],
            side: [40, 40],
            kernel: 1,
            stride: 1,
            padding: [(0, 0); 2],
            bias: false,
            residual: false,
            activation: Activation::Identity,
        },
        &mut rng,
    );
}

#[test]
fn rejects_buffers_of_the_wrong_length() {
    let shape = ConvShape::new(2, 3, [5, 5], 4, [3, 3], [1, 1], [(1, 1), (1, 1)]).unwrap();
    let mut output = vec![0.0; shape.output_len()];
    let err = conv2d_forward(
        &vec![0.0; shape.input_len() - 1],
        &vec![0.0; shape.weight_len()],
        &shape,
        &Epilogue::default(),
        &mut output,
    )
    .unwrap_err();
    assert!(
        matches!(err, KernelError::BufferLength { name: "input", .. }),
        "{err}"
    );
    assert!(ConvShape::new(1, 1, [2, 2], 1, [5, 5], [1, 1], [(0, 0), (0, 0)]).is_err());
}
