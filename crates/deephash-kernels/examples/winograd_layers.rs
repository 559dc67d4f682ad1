//! Winograd against im2col + GEMM on ResNet-18's 3 × 3 stride-1 convolutions, in one process
//! with the rounds interleaved (so that a loaded machine slows both alike): forward (bias and
//! ReLU fused), input gradient (dX) and weight gradient (dW), milliseconds per call (median of
//! the rounds) and the ratio im2col / Winograd (above 1 = Winograd faster).
//! `cargo run --release -p deephash-kernels --example winograd_layers [BATCH] [ROUNDS]
//! [small-cnn|resnet50]` (the small CNN's layers instead of ResNet-18's; or every
//! convolution of ResNet-50's inference, forward only: see [`resnet50`]);
//! `DEEPHASH_WINOGRAD_TILES=N` sets the forward's tiles per chunk; `CPU_TIME=1` times CPU
//! time instead of wall time.

use std::time::Instant;

use deephash_kernels::{
    Activation, ConvShape, Epilogue, conv2d_backward_input, conv2d_backward_weight,
    conv2d_backward_weight_winograd, conv2d_forward, conv2d_forward_winograd, winograd_applies,
};

fn main() {
    // The library's dispatch then always takes im2col; Winograd is called by name.
    // SAFETY: set before any thread starts or reads the environment.
    unsafe { std::env::set_var("DEEPHASH_WINOGRAD", "0") };
    let mut args = std::env::args().skip(1);
    let batch: usize = args.next().map_or(32, |b| b.parse().expect("BATCH"));
    let rounds: usize = args.next().map_or(3, |r| r.parse().expect("ROUNDS"));
    println!("threads={} batch={batch}", rayon::current_num_threads());
    let set = args.next();
    if set.as_deref() == Some("resnet50") {
        return resnet50(batch, rounds);
    }
    println!(
        "| in | out | side | fwd im2col | fwd Winograd | ratio | dX im2col | dX Winograd | ratio | dW im2col | dW Winograd | ratio |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let layers: &[(usize, usize, usize)] = match set.as_deref() {
        // The small CNN's 3 x 3 layers (Fashion-MNIST, 28 x 28, width 16).
        Some("small-cnn") => &[
            (16, 16, 28),
            (16, 32, 14),
            (32, 32, 14),
            (32, 64, 7),
            (64, 64, 7),
        ],
        _ => &[(64, 64, 56), (128, 128, 28), (256, 256, 14), (512, 512, 7)],
    };
    for &(c, o, side) in layers {
        let shape = ConvShape::new(batch, c, [side; 2], o, [3, 3], [1, 1], [(1, 1); 2]).unwrap();
        let transposed =
            ConvShape::new(batch, o, [side; 2], c, [3, 3], [1, 1], [(1, 1); 2]).unwrap();
        let values = |len: usize, seed: usize| -> Vec<f32> {
            (0..len)
                .map(|i| ((i * 7919 + seed) % 1000) as f32 / 1000.0 - 0.5)
                .collect()
        };
        let (x, w, b) = (
            values(shape.input_len(), 1),
            values(shape.weight_len(), 2),
            values(o, 3),
        );
        let dy = values(shape.output_len(), 4);
        let epilogue = Epilogue {
            bias: Some(&b),
            residual: None,
            activation: Activation::Relu,
        };
        let mut y = vec![0.0; shape.output_len()];
        let mut dx = vec![0.0; shape.input_len()];
        let mut dw = vec![0.0; shape.weight_len()];
        let mut times = [(); 6].map(|_| Vec::new());
        for _ in 0..=rounds {
            let t = [
                time(|| conv2d_forward(&x, &w, &shape, &epilogue, &mut y).unwrap()),
                time(|| conv2d_forward_winograd(&x, &w, &shape, &epilogue, &mut y).unwrap()),
                time(|| conv2d_backward_input(&w, &dy, &shape, &mut dx).unwrap()),
                // dX as conv2d_backward_input computes it with Winograd on: the flip, then a
                // Winograd forward convolution.
                time(|| {
                    let flipped = flip(&w, c, o);
                    conv2d_forward_winograd(
                        &dy,
                        &flipped,
                        &transposed,
                        &Epilogue::default(),
                        &mut dx,
                    )
                    .unwrap()
                }),
                time(|| conv2d_backward_weight(&x, &dy, &shape, &mut dw).unwrap()),
                time(|| conv2d_backward_weight_winograd(&x, &dy, &shape, &mut dw).unwrap()),
            ];
            for (all, t) in times.iter_mut().zip(t) {
                all.push(t);
            }
        }
        let ms: Vec<f64> = times.iter_mut().map(|t| median(&mut t[1..])).collect();
        println!(
            "| {c} | {o} | {side} | {:.1} | {:.1} | {:.2}× | {:.1} | {:.1} | {:.2}× | {:.1} | {:.1} | {:.2}× |",
            ms[0],
            ms[1],
            ms[0] / ms[1],
            ms[2],
            ms[3],
            ms[2] / ms[3],
            ms[4],
            ms[5],
            ms[4] / ms[5]
        );
    }
}

/// One convolution of ResNet-50 (torchvision, 224 × 224 input): in and out channels, input
/// side, kernel side, stride, and how many of it the network runs.
struct Layer {
    ins: usize,
    outs: usize,
    side: usize,
    kernel: usize,
    stride: usize,
    count: usize,
}

const fn layer(
    ins: usize,
    outs: usize,
    side: usize,
    kernel: usize,
    stride: usize,
    count: usize,
) -> Layer {
    Layer {
        ins,
        outs,
        side,
        kernel,
        stride,
        count,
    }
}

/// Every convolution of ResNet-50 (the stem, then per stage the first block's 1 × 1, strided
/// 3 × 3, 1 × 1 and downsample, then the other blocks' 1 × 1, 3 × 3, 1 × 1).
const RESNET50: &[Layer] = &[
    layer(3, 64, 224, 7, 2, 1),
    layer(64, 64, 56, 1, 1, 1),
    layer(64, 64, 56, 3, 1, 3),
    layer(64, 256, 56, 1, 1, 3),
    layer(64, 256, 56, 1, 1, 1),
    layer(256, 64, 56, 1, 1, 2),
    layer(256, 128, 56, 1, 1, 1),
    layer(128, 128, 56, 3, 2, 1),
    layer(128, 512, 28, 1, 1, 4),
    layer(256, 512, 56, 1, 2, 1),
    layer(512, 128, 28, 1, 1, 3),
    layer(128, 128, 28, 3, 1, 3),
    layer(512, 256, 28, 1, 1, 1),
    layer(256, 256, 28, 3, 2, 1),
    layer(256, 1024, 14, 1, 1, 6),
    layer(512, 1024, 28, 1, 2, 1),
    layer(1024, 256, 14, 1, 1, 5),
    layer(256, 256, 14, 3, 1, 5),
    layer(1024, 512, 14, 1, 1, 1),
    layer(512, 512, 14, 3, 2, 1),
    layer(512, 2048, 7, 1, 1, 3),
    layer(1024, 2048, 14, 1, 2, 1),
    layer(2048, 512, 7, 1, 1, 2),
    layer(512, 512, 7, 3, 1, 2),
];

/// ResNet-50's inference convolutions, forward with bias and ReLU: per layer milliseconds per
/// call (median of the rounds) with im2col + GEMM and, for the 3 × 3 stride-1 ones, with
/// Winograd (interleaved), their share of the network's convolution time, and the whole
/// network's convolution time with and without Winograd on those layers (all of which the
/// dispatch hands to Winograd at batch 32; at other batches check `winograd_preferred`).
fn resnet50(batch: usize, rounds: usize) {
    println!(
        "| in | out | side in | kernel | stride | count | im2col ms | Winograd ms | ratio | share of im2col total |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let rows: Vec<(f64, Option<f64>)> = RESNET50
        .iter()
        .map(|l| resnet50_layer(l, batch, rounds))
        .collect();
    let total = |winograd: bool| -> f64 {
        RESNET50
            .iter()
            .zip(&rows)
            .map(|(l, &(im2col, wino))| {
                l.count as f64
                    * if winograd {
                        wino.unwrap_or(im2col)
                    } else {
                        im2col
                    }
            })
            .sum()
    };
    let (off, on) = (total(false), total(true));
    for (l, &(im2col, wino)) in RESNET50.iter().zip(&rows) {
        let w = wino.map_or("-".into(), |w| format!("{w:.1}"));
        let r = wino.map_or("-".into(), |w| format!("{:.2}×", im2col / w));
        println!(
            "| {} | {} | {} | {} | {} | {} | {im2col:.1} | {w} | {r} | {:.1} % |",
            l.ins,
            l.outs,
            l.side,
            l.kernel,
            l.stride,
            l.count,
            100.0 * l.count as f64 * im2col / off
        );
    }
    println!(
        "convolutions per image batch: im2col {off:.0} ms, with Winograd {on:.0} ms, ratio {:.3}×",
        off / on
    );
}

/// One layer of [`resnet50`]: (im2col ms, Winograd ms where it applies).
fn resnet50_layer(l: &Layer, batch: usize, rounds: usize) -> (f64, Option<f64>) {
    let pad = (l.kernel / 2, l.kernel / 2);
    let shape = ConvShape::new(
        batch,
        l.ins,
        [l.side; 2],
        l.outs,
        [l.kernel; 2],
        [l.stride; 2],
        [pad; 2],
    )
    .unwrap();
    let values = |len: usize, seed: usize| -> Vec<f32> {
        (0..len)
            .map(|i| ((i * 7919 + seed) % 1000) as f32 / 1000.0 - 0.5)
            .collect()
    };
    let (x, w, b) = (
        values(shape.input_len(), 1),
        values(shape.weight_len(), 2),
        values(l.outs, 3),
    );
    let epilogue = Epilogue {
        bias: Some(&b),
        residual: None,
        activation: Activation::Relu,
    };
    let mut y = vec![0.0; shape.output_len()];
    let winograd = winograd_applies(&shape);
    let (mut im2col, mut wino) = (Vec::new(), Vec::new());
    for _ in 0..=rounds {
        im2col.push(time(|| {
            conv2d_forward(&x, &w, &shape, &epilogue, &mut y).unwrap()
        }));
        if winograd {
            wino.push(time(|| {
                conv2d_forward_winograd(&x, &w, &shape, &epilogue, &mut y).unwrap()
            }));
        }
    }
    (
        median(&mut im2col[1..]),
        winograd.then(|| median(&mut wino[1..])),
    )
}

/// `W'[c][o]` = `W[o][c]` rotated by 180° (the input gradient's filters).
fn flip(w: &[f32], c: usize, o: usize) -> Vec<f32> {
    let mut flipped = vec![0.0; w.len()];
    for (i, v) in w.iter().enumerate() {
        let (oc, tap) = (i / 9, 8 - i % 9);
        flipped[((oc % c) * o + oc / c) * 9 + tap] = *v;
    }
    flipped
}

/// Milliseconds of one call: wall time, or with `CPU_TIME=1` the CPU time of all the
/// process's threads (from `/proc/self/task/*/schedstat`, Linux), which a loaded machine
/// disturbs less.
fn time(mut run: impl FnMut()) -> f64 {
    let cpu = std::env::var("CPU_TIME").is_ok_and(|v| v == "1");
    let (start, cpu_start) = (Instant::now(), cpu.then(cpu_ns));
    run();
    match cpu_start {
        Some(t0) => (cpu_ns() - t0) as f64 / 1e6,
        None => start.elapsed().as_secs_f64() * 1e3,
    }
}

/// Nanoseconds on the CPU of every thread of this process so far.
fn cpu_ns() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|task| {
            let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
            stat.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
