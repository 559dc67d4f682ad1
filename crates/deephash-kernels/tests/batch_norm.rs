//! Training-mode batch norm fused with residual and activation (`batch_norm_train_forward` /
//! `_backward`) against its definition in f64: the output and batch statistics directly, the
//! gradients by central finite differences of `Σ g · y` (so the backward's closed form is
//! checked by something that does not share it).

mod common;

use common::{Rng, at_every_simd_level};
use deephash_kernels::{
    Activation, KernelError, MaskSource, NormParams, NormShape, as_uninit,
    batch_norm_train_backward, batch_norm_train_forward, written_by,
};

const EPS: f64 = 1e-5;

/// `act(γ (x − μ) / √(σ² + ε) + β + r)` in f64 with the batch statistics.
fn reference(
    x: &[f64],
    gamma: &[f64],
    beta: &[f64],
    r: Option<&[f32]>,
    s: &NormShape,
    act: Activation,
) -> Vec<f64> {
    let mut y = vec![0.0; s.len()];
    for c in 0..s.channels {
        let at = |n: usize, p: usize| (n * s.channels + c) * s.pixels + p;
        let idx: Vec<usize> = (0..s.batch)
            .flat_map(|n| (0..s.pixels).map(move |p| at(n, p)))
            .collect();
        let mean = idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64;
        let var = idx.iter().map(|&i| (x[i] - mean).powi(2)).sum::<f64>() / idx.len() as f64;
        for &i in &idx {
            let v = gamma[c] * (x[i] - mean) / (var + EPS).sqrt()
                + beta[c]
                + r.map_or(0.0, |r| r[i] as f64);
            y[i] = match act {
                Activation::Identity => v,
                Activation::Relu => v.max(0.0),
                Activation::Relu6 => v.clamp(0.0, 6.0),
            };
        }
    }
    y
}

fn check(s: NormShape, residual: bool, act: Activation, rng: &mut Rng) {
    let x: Vec<f32> = rng.values(s.len()).iter().map(|v| 3.0 * v + 0.5).collect();
    let gamma: Vec<f32> = rng
        .values(s.channels)
        .iter()
        .map(|v| 1.0 + 0.5 * v)
        .collect();
    let beta: Vec<f32> = rng.values(s.channels).iter().map(|v| 2.0 * v).collect();
    let r = rng.values(s.len());
    let g = rng.values(s.len());
    let r = residual.then_some(&r[..]);
    let params = NormParams {
        gamma: &gamma,
        beta: &beta,
        epsilon: EPS,
        activation: act,
    };
    let (mut mean, mut var) = (vec![0.0; s.channels], vec![0.0; s.channels]);
    // The output as the model allocates it: uninitialised, every value written by the kernel.
    // SAFETY: the kernel writes every value of its output when it succeeds.
    let y = unsafe {
        written_by(s.len(), |y| {
            batch_norm_train_forward(&x, &s, &params, r, y, &mut mean, &mut var)
        })
    }
    .unwrap();
    let f64s = |v: &[f32]| v.iter().map(|&a| a as f64).collect::<Vec<f64>>();
    let (x64, g64, b64) = (f64s(&x), f64s(&gamma), f64s(&beta));
    let want = reference(&x64, &g64, &b64, r, &s, act);
    for (i, (a, b)) in y.iter().zip(&want).enumerate() {
        assert!((*a as f64 - b).abs() < 1e-4, "{s:?} y at {i}: {a} vs {b}");
    }
    let mut dx = vec![0.0; s.len()];
    let (mut dgamma, mut dbeta) = (vec![0.0; s.channels], vec![0.0; s.channels]);
    let mut dr = vec![0.0; s.len()];
    batch_norm_train_backward(
        &x,
        MaskSource::Output(&y),
        &g,
        &s,
        &params,
        (&mean, &var),
        as_uninit(&mut dx),
        (&mut dgamma, &mut dbeta),
        residual.then_some(as_uninit(&mut dr)),
    )
    .unwrap();
    if !residual {
        // The mask recomputed from x must be the one read from y, bit for bit.
        let mut dx2 = vec![f32::NAN; s.len()];
        let (mut dgamma2, mut dbeta2) = (vec![f32::NAN; s.channels], vec![f32::NAN; s.channels]);
        let (x_, g_, mv) = (&x, &g, (&mean[..], &var[..]));
        let grads = (&mut dgamma2[..], &mut dbeta2[..]);
        let mask = MaskSource::Recomputed;
        batch_norm_train_backward(
            x_,
            mask,
            g_,
            &s,
            &params,
            mv,
            as_uninit(&mut dx2),
            grads,
            None,
        )
        .unwrap();
        assert_eq!(dx2, dx, "{s:?} {act:?}: dx with the mask recomputed");
        assert_eq!(
            (dgamma2, dbeta2),
            (dgamma.clone(), dbeta.clone()),
            "{s:?} {act:?}"
        );
    }
    let loss = |x: &[f64], gamma: &[f64], beta: &[f64]| -> f64 {
        reference(x, gamma, beta, r, &s, act)
            .iter()
            .zip(&g)
            .map(|(y, g)| y * *g as f64)
            .sum()
    };
    let h = 1e-5;
    let numeric = |which: usize, i: usize| {
        let mut args = [x64.clone(), g64.clone(), b64.clone()];
        args[which][i] += h;
        let up = loss(&args[0], &args[1], &args[2]);
        args[which][i] -= 2.0 * h;
        let down = loss(&args[0], &args[1], &args[2]);
        (up - down) / (2.0 * h)
    };
    let close = |what: &str, got: f32, want: f64| {
        assert!(
            (got as f64 - want).abs() < 2e-3 * want.abs().max(1.0),
            "{s:?} {what}: {got} vs {want}"
        );
    };
    for i in (0..s.len()).step_by(7) {
        close("dx", dx[i], numeric(0, i));
        if residual {
            // y depends on r[i] only through act(... + r[i]): dr = g · act'.
            let inside = (y[i] > 0.0 || act == Activation::Identity)
                && (act != Activation::Relu6 || y[i] < 6.0);
            close("dr", dr[i], if inside { g[i] as f64 } else { 0.0 });
        }
    }
    for c in 0..s.channels {
        close("dgamma", dgamma[c], numeric(1, c));
        close("dbeta", dbeta[c], numeric(2, c));
    }
}

#[test]
fn forward_and_gradients_match_the_definition() {
    // Every instruction-set path the CPU has (the loops are compiled for each), each shape
    // with each activation.
    at_every_simd_level(check_all_shapes);
}

fn check_all_shapes() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    // The last has 600 values per image and channel: several f32 blocks of 256 in one sum.
    let shapes = [(4, 3, 25), (2, 5, 49), (8, 4, 1), (3, 2, 6), (2, 2, 600)];
    let acts = [Activation::Relu, Activation::Identity, Activation::Relu6];
    for (i, &(batch, channels, pixels)) in shapes.iter().enumerate() {
        let s = NormShape {
            batch,
            channels,
            pixels,
        };
        for (j, &act) in acts.iter().enumerate() {
            check(s, (i + j) % 2 == 0, act, &mut rng);
        }
        check(s, i % 2 == 1, acts[(i + 1) % 3], &mut rng);
    }
}

#[test]
fn rejects_statistics_of_the_wrong_length() {
    let s = NormShape {
        batch: 2,
        channels: 3,
        pixels: 4,
    };
    let (x, ones) = (vec![0.0; s.len()], vec![1.0; 3]);
    let params = NormParams {
        gamma: &ones,
        beta: &ones,
        epsilon: EPS,
        activation: Activation::Relu,
    };
    let mut y = vec![0.0; s.len()];
    let y = as_uninit(&mut y);
    let err = batch_norm_train_forward(&x, &s, &params, None, y, &mut [0.0; 2], &mut [0.0; 3])
        .unwrap_err();
    assert!(
        matches!(err, KernelError::BufferLength { name: "mean", .. }),
        "{err}"
    );
}
