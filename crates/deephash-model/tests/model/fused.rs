//! The fused inference step (`fused::conv_bn`: batch norm folded into the convolution, run in
//! deephash-kernels on Flex) against burn's own convolution followed by the batch norm,
//! residual add and activation, on random shapes: strides 1 and 2; 1 × 1, 3 × 3, 5 × 5 and
//! 7 × 7; depthwise; `Same` padding; with and without bias.

use deephash_model::burn::module::{Param, RunningState};
use deephash_model::burn::nn::conv::{Conv2d, Conv2dConfig};
use deephash_model::burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use deephash_model::burn::tensor::activation::{relu, relu6};
use deephash_model::burn::tensor::{Device, Distribution, Tensor};
use deephash_model::cpu_device;
use deephash_model::fused::{Activation, conv_bn};
use deephash_model::layers::batch_norm_forward;

/// A batch norm with random running statistics and affine parameters.
fn random_bn(channels: usize, device: &Device) -> BatchNorm {
    let mut bn = BatchNormConfig::new(channels).init(device);
    let uniform = |lo, hi| Tensor::<1>::random([channels], Distribution::Uniform(lo, hi), device);
    bn.gamma = Param::from_tensor(uniform(0.5, 1.5));
    bn.beta = Param::from_tensor(uniform(-0.5, 0.5));
    bn.running_mean = RunningState::new(uniform(-0.3, 0.3));
    bn.running_var = RunningState::new(uniform(0.5, 2.0));
    bn
}

struct Case {
    channels: [usize; 2],
    side: usize,
    kernel: usize,
    stride: usize,
    padding: PaddingConfig2d,
    groups: usize,
    bias: bool,
    residual: bool,
    activation: Activation,
}

fn reference(
    conv: &Conv2d,
    bn: &BatchNorm,
    x: Tensor<4>,
    r: Option<Tensor<4>>,
    a: Activation,
) -> Tensor<4> {
    let y = batch_norm_forward(bn, conv.forward(x));
    let y = match r {
        Some(r) => y + r,
        None => y,
    };
    match a {
        Activation::Identity => y,
        Activation::Relu => relu(y),
        Activation::Relu6 => relu6(y),
    }
}

/// Largest difference relative to the reference's largest magnitude.
fn check(case: &Case) -> f32 {
    let device = cpu_device();
    let conv = Conv2dConfig::new(case.channels, [case.kernel; 2])
        .with_stride([case.stride; 2])
        .with_padding(case.padding.clone())
        .with_groups(case.groups)
        .with_bias(case.bias)
        .init(&device);
    let bn = random_bn(case.channels[1], &device);
    let x = Tensor::<4>::random(
        [3, case.channels[0], case.side, case.side],
        Distribution::Normal(0.0, 1.0),
        &device,
    );
    let out_shape = conv.forward(x.clone()).dims();
    let r = case
        .residual
        .then(|| Tensor::<4>::random(out_shape, Distribution::Normal(0.0, 1.0), &device));
    let want = reference(&conv, &bn, x.clone(), r.clone(), case.activation);
    let got = conv_bn(&conv, &bn, x, r, case.activation);
    assert_eq!(got.dims(), want.dims());
    let scale = want.clone().abs().max().into_scalar::<f32>().max(1.0);
    (got - want).abs().max().into_scalar::<f32>() / scale
}

#[test]
fn fused_inference_matches_burns_layers() {
    let acts = [Activation::Identity, Activation::Relu, Activation::Relu6];
    let mut cases = Vec::new();
    for (kernel, pad) in [(1, 0), (3, 1), (5, 2), (7, 3)] {
        for stride in [1, 2] {
            for bias in [false, true] {
                cases.push(Case {
                    channels: [5 + kernel, 12],
                    side: 11 + stride,
                    kernel,
                    stride,
                    padding: PaddingConfig2d::Explicit(pad, pad, pad, pad),
                    groups: 1,
                    bias,
                    residual: bias && stride == 1,
                    activation: acts[cases.len() % 3],
                });
            }
        }
    }
    for (kernel, stride) in [(3, 1), (3, 2), (5, 2)] {
        // Depthwise (burn's convolution on folded weights) and TensorFlow-style Same padding.
        cases.push(Case {
            channels: [16, 16],
            side: 14,
            kernel,
            stride,
            padding: PaddingConfig2d::Same,
            groups: 16,
            bias: false,
            residual: false,
            activation: Activation::Relu6,
        });
        cases.push(Case {
            channels: [3, 8],
            side: 15,
            kernel,
            stride,
            padding: PaddingConfig2d::Same,
            groups: 1,
            bias: true,
            residual: false,
            activation: Activation::Relu6,
        });
    }
    for case in &cases {
        let error = check(case);
        assert!(
            error <= 1e-4,
            "k{} s{} groups {} bias {}: relative error {error}",
            case.kernel,
            case.stride,
            case.groups,
            case.bias
        );
    }
}
