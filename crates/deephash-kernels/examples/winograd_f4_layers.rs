//! Winograd F(4×4, 3×3) against F(2×2, 3×3) on ResNet's 3 × 3 stride-1 convolutions, forward
//! (bias and ReLU fused), in one process with the rounds interleaved (so that a loaded machine
//! slows both alike): milliseconds per call (median of the rounds) and the ratios F(2×2) /
//! F(4×4) and im2col / F(4×4) (above 1 = F(4×4, 3×3) faster). This is what
//! `winograd_choice`'s thresholds were set from.
//! `cargo run --release -p deephash-kernels --example winograd_f4_layers [BATCH] [ROUNDS]
//! [C,O,SIDE ...]` (default: ResNet-18's four layers); `DEEPHASH_WINOGRAD_TILES=N` sets the
//! tiles per chunk of both; `ONLY=f4` runs F(4×4, 3×3) alone (for `perf record`);
//! `CPU_TIME=1` times CPU time instead of wall time.

use std::time::Instant;

use deephash_kernels::{
    Activation, ConvShape, Epilogue, conv2d_forward, conv2d_forward_winograd,
    conv2d_forward_winograd_f4,
};

fn main() {
    // The library's dispatch then always takes im2col (the third column); Winograd is called
    // by name.
    // SAFETY: set before any thread starts or reads the environment.
    unsafe { std::env::set_var("DEEPHASH_WINOGRAD", "0") };
    let mut args = std::env::args().skip(1);
    let batch: usize = args.next().map_or(32, |b| b.parse().expect("BATCH"));
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("ROUNDS"));
    let mut layers: Vec<[usize; 3]> = args
        .map(|a| {
            let v: Vec<usize> = a.split(',').map(|n| n.parse().expect("C,O,SIDE")).collect();
            [v[0], v[1], v[2]]
        })
        .collect();
    if layers.is_empty() {
        layers = vec![[64, 64, 56], [128, 128, 28], [256, 256, 14], [512, 512, 7]];
    }
    let only_f4 = std::env::var("ONLY").is_ok_and(|v| v == "f4");
    println!("threads={} batch={batch}", rayon::current_num_threads());
    println!("| in | out | side | F(2x2) ms | F(4x4) ms | ratio | im2col ms | ratio |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for [c, o, side] in layers {
        let shape = ConvShape::new(batch, c, [side; 2], o, [3, 3], [1, 1], [(1, 1); 2]).unwrap();
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
        let epilogue = Epilogue {
            bias: Some(&b),
            residual: None,
            activation: Activation::Relu,
        };
        let mut y = vec![0.0; shape.output_len()];
        let (mut f2, mut f4, mut im2col) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..=rounds {
            if !only_f4 {
                f2.push(time(|| {
                    conv2d_forward_winograd(&x, &w, &shape, &epilogue, &mut y).unwrap()
                }));
                im2col.push(time(|| {
                    conv2d_forward(&x, &w, &shape, &epilogue, &mut y).unwrap()
                }));
            }
            f4.push(time(|| {
                conv2d_forward_winograd_f4(&x, &w, &shape, &epilogue, &mut y).unwrap()
            }));
        }
        let (a, b, i) = (median(&mut f2), median(&mut f4), median(&mut im2col));
        println!(
            "| {c} | {o} | {side} | {a:.1} | {b:.1} | {:.2}× | {i:.1} | {:.2}× |",
            a / b,
            i / b
        );
    }
}

/// Milliseconds of one call: wall time, or with `CPU_TIME=1` the CPU time of all the
/// process's threads (from `/proc/self/task/*/schedstat`, Linux), which a loaded machine
/// disturbs less (as in the `winograd_layers` example).
fn time(f: impl FnOnce()) -> f64 {
    let cpu = std::env::var("CPU_TIME").is_ok_and(|v| v == "1");
    let (start, cpu_start) = (Instant::now(), cpu.then(cpu_ns));
    f();
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

/// The median of the rounds after the first (a warm-up), NaN when there are none.
fn median(values: &mut [f64]) -> f64 {
    let Some((_, rest)) = values.split_first_mut() else {
        return f64::NAN;
    };
    if rest.is_empty() {
        return f64::NAN;
    }
    rest.sort_by(f64::total_cmp);
    rest[rest.len() / 2]
}
