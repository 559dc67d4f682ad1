//! SGD with PyTorch semantics on a tiny quadratic, against the steps of
//! `torch.optim.SGD(lr, momentum=0.9, dampening=0, weight_decay=5e-4)` written out by hand:
//!
//! ```text
//! g_t = grad + wd * w_t;  b_1 = g_1;  b_t = momentum * b_{t-1} + g_t;  w_{t+1} = w_t - lr * b_t
//! ```

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use deephash_train::optim::{OptimizerKind, OptimizerSettings};

#[derive(Module, Debug)]
struct Quadratic {
    w: Param<Tensor<1>>,
}

const C: [f64; 3] = [1.0, 3.0, 0.5];
const W0: [f64; 3] = [1.0, -2.0, 4.0];

fn loss(model: &Quadratic, device: &Device) -> Tensor<1> {
    let c = Tensor::<1>::from_data(TensorData::new(C.map(|v| v as f32).to_vec(), [3]), device);
    let w = model.w.val();
    (w.clone() * w * c).sum().mul_scalar(0.5)
}

fn pytorch_sgd(steps: usize, lr: f64, momentum: f64, wd: f64) -> Vec<f64> {
    let mut w = W0.to_vec();
    let mut buf: Option<Vec<f64>> = None;
    for _ in 0..steps {
        let g: Vec<f64> = (0..3).map(|i| C[i] * w[i] + wd * w[i]).collect();
        let b = match buf {
            None => g,
            Some(b) => (0..3).map(|i| momentum * b[i] + g[i]).collect(),
        };
        for i in 0..3 {
            w[i] -= lr * b[i];
        }
        buf = Some(b);
    }
    w
}

fn run(settings: OptimizerSettings, steps: usize, lr: f64) -> Vec<f32> {
    let device = Device::flex().autodiff();
    let w = Tensor::<1>::from_data(TensorData::new(W0.map(|v| v as f32).to_vec(), [3]), &device);
    let mut model = Quadratic {
        w: Param::from_tensor(w),
    };
    let mut optim = settings.build();
    for _ in 0..steps {
        let grads = loss(&model, &device).backward();
        let grads = burn::optim::GradientsParams::from_grads(grads, &model);
        model = optim.step(lr, model, grads);
    }
    model.w.val().into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn sgd_matches_pytorch_momentum_and_weight_decay() {
    let settings = OptimizerSettings::default();
    assert_eq!(settings.kind, OptimizerKind::Sgd);
    let got = run(settings, 5, 0.1);
    let want = pytorch_sgd(5, 0.1, 0.9, 5e-4);
    for (g, w) in got.iter().zip(&want) {
        assert!((f64::from(*g) - w).abs() < 1e-5, "{got:?} vs {want:?}");
    }
}

#[test]
fn plain_sgd_without_momentum_is_gradient_descent() {
    let settings = OptimizerSettings {
        momentum: 0.0,
        weight_decay: 0.0,
        ..Default::default()
    };
    let got = run(settings, 3, 0.1);
    let want = pytorch_sgd(3, 0.1, 0.0, 0.0);
    for (g, w) in got.iter().zip(&want) {
        assert!((f64::from(*g) - w).abs() < 1e-5, "{got:?} vs {want:?}");
    }
}

#[test]
fn adam_first_step_moves_each_weight_by_lr() {
    // Adam's first step is lr * g / (|g| + eps) = lr * sign(g) per weight.
    let settings = OptimizerSettings {
        kind: OptimizerKind::Adam,
        weight_decay: 0.0,
        ..Default::default()
    };
    let got = run(settings, 1, 0.01);
    for (g, w0) in got.iter().zip(W0) {
        let expected = w0 - 0.01 * w0.signum();
        assert!((f64::from(*g) - expected).abs() < 1e-6, "{got:?}");
    }
}
