//! GFLOP/s of `conv2d_forward` (bias and ReLU fused) and of the gradients
//! `conv2d_backward_input` (dX) and `conv2d_backward_weight` (dW) on ResNet-18's convolution
//! shapes (batch 32 by default, 224 × 224 input): `cargo run --release -p deephash-kernels --example
//! conv_layers [BATCH]`. Compare with the machine's FP32 peak (cores × FMA units × lanes × 2 ×
//! clock); `scripts/bench_model.sh` compares whole networks with PyTorch.

use std::time::Instant;

use deephash_kernels::{
    Activation, ConvShape, Epilogue, conv2d_backward_input, conv2d_backward_weight, conv2d_forward,
};

fn main() {
    let batch: usize = std::env::args()
        .nth(1)
        .map_or(32, |b| b.parse().expect("BATCH"));
    // (in, out, side, kernel, stride, padding, times in the network)
    let layers = [
        (3, 64, 224, 7, 2, 3, 1),
        (64, 64, 56, 3, 1, 1, 4),
        (64, 128, 56, 3, 2, 1, 1),
        (64, 128, 56, 1, 2, 0, 1),
        (128, 128, 28, 3, 1, 1, 3),
        (128, 256, 28, 3, 2, 1, 1),
        (128, 256, 28, 1, 2, 0, 1),
        (256, 256, 14, 3, 1, 1, 3),
        (256, 512, 14, 3, 2, 1, 1),
        (256, 512, 14, 1, 2, 0, 1),
        (512, 512, 7, 3, 1, 1, 3),
    ];
    println!("threads={}", rayon::current_num_threads());
    println!(
        "| in | out | side | k | s | ms | GFLOP/s | dX ms | dX GFLOP/s | dW ms | dW GFLOP/s |"
    );
    let (mut total_flop, mut total_s, mut total_back_s) = (0.0, 0.0, 0.0);
    for (c, o, side, k, s, p, times) in layers {
        let shape = ConvShape::new(batch, c, [side, side], o, [k, k], [s, s], [(p, p); 2]).unwrap();
        let input = vec![0.5f32; shape.input_len()];
        let weight = vec![0.01f32; shape.weight_len()];
        let bias = vec![0.1f32; o];
        let mut output = vec![0.0f32; shape.output_len()];
        let epilogue = Epilogue {
            bias: Some(&bias),
            residual: None,
            activation: Activation::Relu,
        };
        conv2d_forward(&input, &weight, &shape, &epilogue, &mut output).unwrap();
        let reps = 3;
        let start = Instant::now();
        for _ in 0..reps {
            conv2d_forward(&input, &weight, &shape, &epilogue, &mut output).unwrap();
        }
        let secs = start.elapsed().as_secs_f64() / reps as f64;
        let flop = 2.0 * (shape.weight_len() * shape.columns()) as f64;
        let mut grad_input = vec![0.0f32; shape.input_len()];
        let dx = time(reps, || {
            conv2d_backward_input(&weight, &output, &shape, &mut grad_input).unwrap()
        });
        let mut grad_weight = vec![0.0f32; shape.weight_len()];
        let dw = time(reps, || {
            conv2d_backward_weight(&input, &output, &shape, &mut grad_weight).unwrap()
        });
        total_flop += flop * times as f64;
        total_s += secs * times as f64;
        total_back_s += (dx + dw) * times as f64;
        println!(
            "| {c} | {o} | {side} | {k} | {s} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            secs * 1e3,
            flop / secs / 1e9,
            dx * 1e3,
            flop / dx / 1e9,
            dw * 1e3,
            flop / dw / 1e9
        );
    }
    // Calibration: one plain GEMM as large as layer4's 3 x 3 convolution (im2col excluded).
    let (m, k, n) = (512, 4608, batch * 49);
    let (a, b, mut c) = (
        vec![0.01f32; m * k],
        vec![0.5f32; k * n],
        vec![0.0f32; m * n],
    );
    let start = Instant::now();
    // SAFETY: row-major m x k, k x n and m x n buffers of exactly those sizes.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::Rayon(rayon::current_num_threads()),
        );
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "plain gemm {m}x{k}x{n}: {:.1} GFLOP/s",
        2.0 * (m * k * n) as f64 / secs / 1e9
    );
    println!(
        "all convolutions of ResNet-18 at batch {batch}: {:.0} ms, {:.1} GFLOP/s, {:.1} img/s (convolutions only)",
        total_s * 1e3,
        total_flop / total_s / 1e9,
        batch as f64 / total_s
    );
    println!(
        "their gradients (dX and dW): {:.0} ms, {:.1} GFLOP/s",
        total_back_s * 1e3,
        2.0 * total_flop / total_back_s / 1e9
    );
}

/// Seconds per call of `run`, over `reps` calls after one warm-up call.
fn time(reps: usize, mut run: impl FnMut()) -> f64 {
    run();
    let start = Instant::now();
    for _ in 0..reps {
        run();
    }
    start.elapsed().as_secs_f64() / reps as f64
}
