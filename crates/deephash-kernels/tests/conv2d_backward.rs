//! The convolution gradients (`conv2d_backward_weight`, `_input`, `_bias`) against the chain
//! rule applied to the convolution's definition, in f64: strides 1 and 2, 1 × 1, 3 × 3, 5 × 5
//! and 7 × 7 kernels, asymmetric padding, batches whose tiles straddle images, pointwise tiles
//! inside one image and weight gradients whose columns split across threads.

mod common;

use common::{Rng, at_every_simd_level, gradients_reference as reference};
use deephash_kernels::{
    ConvShape, KernelError, conv2d_backward_bias, conv2d_backward_input, conv2d_backward_weight,
};

fn assert_close(what: &str, shape: &ConvShape, got: &[f32], want: &[f64]) {
    let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (*g as f64 - w).abs() <= 1e-5 * scale,
            "{what} {shape:?} at {i}: {g} vs {w}"
        );
    }
}

fn check(shape: ConvShape, rng: &mut Rng) {
    let x = rng.values(shape.input_len());
    let w = rng.values(shape.weight_len());
    let dy = rng.values(shape.output_len());
    let [dx_ref, dw_ref, db_ref] = reference(&x, &w, &dy, &shape);
    let mut dx = vec![f32::NAN; shape.input_len()];
    let mut dw = vec![f32::NAN; shape.weight_len()];
    let mut db = vec![f32::NAN; shape.out_channels];
    conv2d_backward_input(&w, &dy, &shape, &mut dx).unwrap();
    conv2d_backward_weight(&x, &dy, &shape, &mut dw).unwrap();
    conv2d_backward_bias(&dy, &shape, &mut db).unwrap();
    assert_close("dX", &shape, &dx, &dx_ref);
    assert_close("dW", &shape, &dw, &dw_ref);
    assert_close("dB", &shape, &db, &db_ref);
}

#[allow(clippy::too_many_arguments)]
fn shape(
    batch: usize,
    channels: [usize; 2],
    side: [usize; 2],
    kernel: usize,
    stride: usize,
    padding: [(usize, usize); 2],
) -> ConvShape {
    ConvShape::new(
        batch,
        channels[0],
        side,
        channels[1],
        [kernel; 2],
        [stride; 2],
        padding,
    )
    .unwrap()
}

#[test]
fn gradients_match_the_definition_on_many_shapes() {
    // im2col and col2im are compiled for each instruction set: every path the CPU has.
    at_every_simd_level(many_shapes);
}

fn many_shapes() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut count = 0;
    for (kernel, pad) in [(1, 0), (3, 1), (5, 2), (7, 3)] {
        for stride in [1, 2] {
            for (i, side) in [[7, 7], [9, 6], [16, 13]].into_iter().enumerate() {
                let channels = [3 + 2 * i, 5 + 7 * i];
                check(
                    shape(
                        1 + i + stride,
                        channels,
                        side,
                        kernel,
                        stride,
                        [(pad, pad); 2],
                    ),
                    &mut rng,
                );
                count += 1;
            }
        }
    }
    assert_eq!(count, 24);
}

#[test]
fn gradients_on_tiles_that_straddle_images_and_pointwise_tiles() {
    let mut rng = Rng(7);
    // TensorFlow-style "same" padding of a strided 3 x 3: 0 before, 1 after.
    check(shape(3, [3, 8], [12, 12], 3, 2, [(0, 1), (0, 1)]), &mut rng);
    // Pointwise, 5 x 5 images: 25 columns per image, tiles start mid-image.
    check(shape(9, [40, 24], [5, 5], 1, 1, [(0, 0); 2]), &mut rng);
    // Pointwise on a larger image: the GEMM writes the input gradient in place.
    check(shape(2, [16, 32], [40, 40], 1, 1, [(0, 0); 2]), &mut rng);
    // Strided 1 x 1 (a ResNet downsample), and a batch of one.
    check(shape(4, [8, 16], [9, 9], 1, 2, [(0, 0); 2]), &mut rng);
    check(shape(1, [4, 6], [11, 10], 3, 1, [(1, 1); 2]), &mut rng);
    // Enough columns (4 x 24 x 24) for the weight gradient to split across threads.
    check(shape(4, [6, 10], [24, 24], 3, 1, [(1, 1); 2]), &mut rng);
}

#[test]
fn rejects_gradient_buffers_of_the_wrong_length() {
    let s = shape(2, [3, 4], [5, 5], 3, 1, [(1, 1); 2]);
    let mut dx = vec![0.0; s.input_len()];
    let err =
        conv2d_backward_input(&vec![0.0; s.weight_len()], &[0.0; 3], &s, &mut dx).unwrap_err();
    assert!(
        matches!(
            err,
            KernelError::BufferLength {
                name: "grad_output",
                ..
            }
        ),
        "{err}"
    );
    let mut dw = vec![0.0; s.weight_len() + 1];
    let err = conv2d_backward_weight(&dx, &vec![0.0; s.output_len()], &s, &mut dw).unwrap_err();
    assert!(
        matches!(
            err,
            KernelError::BufferLength {
                name: "grad_weight",
                ..
            }
        ),
        "{err}"
    );
    let err = conv2d_backward_bias(&vec![0.0; s.output_len()], &s, &mut [0.0; 3]).unwrap_err();
    assert!(
        matches!(
            err,
            KernelError::BufferLength {
                name: "grad_bias",
                ..
            }
        ),
        "{err}"
    );
}
