//! Milliseconds per kernel of one small-CNN training step (batch 80 by default, 28 × 28,
//! 3 → 16 → 16, pool, 16 → 32 → 32, pool, 32 → 64 → 64, pool): each convolution's forward,
//! input and weight gradients, each batch norm's forward and backward, each max pool's forward
//! and backward, and their sum — what the kernels cost before burn's own work (autodiff graph,
//! allocation, the head, the optimiser). `cargo run --release -p deephash-kernels --example
//! train_layers [BATCH]`.

use std::time::Instant;

use deephash_kernels::{
    Activation, ConvShape, Epilogue, MaskSource, NormParams, NormShape, PoolShape, as_uninit,
    batch_norm_train_backward, batch_norm_train_forward, conv2d_backward_input,
    conv2d_backward_weight, conv2d_forward, max_pool2d_backward, max_pool2d_forward,
};

/// Median milliseconds of `reps` calls.
fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}

fn main() {
    let batch: usize = std::env::args()
        .nth(1)
        .map_or(80, |b| b.parse().expect("BATCH"));
    let reps = 9;
    println!("threads={} batch={batch}", rayon::current_num_threads());
    println!(
        "| layer | fwd ms | dX ms | dW ms | bn fwd ms | bn bwd ms | pool fwd ms | pool bwd ms |"
    );
    let mut total = 0.0;
    let mut side = 28;
    let mut input_channels = 3;
    for stage in 0..3 {
        let out = 16 << stage;
        for (i, c) in [input_channels, out].into_iter().enumerate() {
            let shape =
                ConvShape::new(batch, c, [side, side], out, [3, 3], [1, 1], [(1, 1); 2]).unwrap();
            let x = vec![0.5f32; shape.input_len()];
            let w = vec![0.01f32; shape.weight_len()];
            let mut y = vec![0.0f32; shape.output_len()];
            let fwd = time(reps, || {
                conv2d_forward(&x, &w, &shape, &Epilogue::default(), &mut y).unwrap()
            });
            let mut dx = vec![0.0f32; shape.input_len()];
            let first = stage == 0 && i == 0;
            let dx_ms = if first {
                0.0
            } else {
                time(reps, || {
                    conv2d_backward_input(&w, &y, &shape, &mut dx).unwrap()
                })
            };
            let mut dw = vec![0.0f32; shape.weight_len()];
            let dw_ms = time(reps, || {
                conv2d_backward_weight(&x, &y, &shape, &mut dw).unwrap()
            });
            let norm = NormShape {
                batch,
                channels: out,
                pixels: side * side,
            };
            let gamma = vec![1.0f32; out];
            let params = NormParams {
                gamma: &gamma,
                beta: &gamma,
                epsilon: 1e-5,
                activation: Activation::Relu,
            };
            let (mut mean, mut var) = (vec![0.0f32; out], vec![0.0f32; out]);
            let mut z = vec![0.0f32; norm.len()];
            let bn_f = time(reps, || {
                batch_norm_train_forward(
                    &y,
                    &norm,
                    &params,
                    None,
                    as_uninit(&mut z),
                    &mut mean,
                    &mut var,
                )
                .unwrap()
            });
            let (mut dg, mut db) = (vec![0.0f32; out], vec![0.0f32; out]);
            let mut dy = vec![0.0f32; norm.len()];
            let bn_b = time(reps, || {
                batch_norm_train_backward(
                    &y,
                    MaskSource::Recomputed,
                    &z,
                    &norm,
                    &params,
                    (&mean, &var),
                    as_uninit(&mut dy),
                    (&mut dg, &mut db),
                    None,
                )
                .unwrap()
            });
            let (pool_f, pool_b) = if i == 1 {
                let pool =
                    PoolShape::new(batch, out, [side, side], [2, 2], [2, 2], [(0, 0); 2]).unwrap();
                let mut p = vec![0.0f32; pool.output_len()];
                let mut idx = vec![0u32; pool.output_len()];
                let f = time(reps, || {
                    max_pool2d_forward(&z, &pool, &mut p, Some(&mut idx)).unwrap()
                });
                let b = time(reps, || {
                    max_pool2d_backward(&p, &idx, &pool, as_uninit(&mut dy)).unwrap()
                });
                (f, b)
            } else {
                (0.0, 0.0)
            };
            total += fwd + dx_ms + dw_ms + bn_f + bn_b + pool_f + pool_b;
            println!(
                "| {c}->{out} @{side} | {fwd:.2} | {dx_ms:.2} | {dw_ms:.2} | {bn_f:.2} | {bn_b:.2} | {pool_f:.2} | {pool_b:.2} |"
            );
        }
        input_channels = out;
        side /= 2;
    }
    println!(
        "kernels of one step: {total:.1} ms ({:.0} img/s if nothing else ran)",
        batch as f64 / total * 1e3
    );
}
