//! Building blocks shared by the backbones: convolution and batch-norm constructors, a
//! batch-norm forward with PyTorch's training semantics, and global average pooling.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::module::batch_norm_train;
use burn::tensor::{Device, Tensor};

/// A bias-free 2-D convolution (every backbone here follows its convolutions with batch norm).
pub fn conv(
    channels: [usize; 2],
    kernel: usize,
    stride: usize,
    padding: PaddingConfig2d,
    groups: usize,
    device: &Device,
) -> Conv2d {
    Conv2dConfig::new(channels, [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(padding)
        .with_groups(groups)
        .with_bias(false)
        .init(device)
}

/// Symmetric zero padding of `pad` pixels on every side (PyTorch's `padding=pad`).
pub fn pad(pad: usize) -> PaddingConfig2d {
    PaddingConfig2d::Explicit(pad, pad, pad, pad)
}

/// A batch norm with PyTorch's momentum convention (`running = (1 - m) running + m batch`).
pub fn batch_norm(features: usize, epsilon: f64, momentum: f64, device: &Device) -> BatchNorm {
    BatchNormConfig::new(features)
        .with_epsilon(epsilon)
        .with_momentum(momentum)
        .init(device)
}

/// Batch norm as PyTorch computes it.
///
/// Evaluation (a plain device, or a layer whose training flag is off): running statistics.
/// Training (autodiff device and training flag on): batch statistics, and the running variance
/// updated with the *unbiased* batch variance (`n / (n - 1)`), as `torch.nn.BatchNorm2d` does.
/// burn's own `BatchNorm::forward` updates it with the biased variance, which drifts from
/// PyTorch by `momentum · var / (n - 1)` per step (large on 7 × 7 maps with small batches).
pub fn batch_norm_forward<const D: usize>(bn: &BatchNorm, input: Tensor<D>) -> Tensor<D> {
    if !(input.device().is_autodiff() && bn.training.is_enabled()) {
        return bn.forward(input);
    }
    let dims = input.dims();
    let samples: usize = dims
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, d)| d)
        .product();
    let result = batch_norm_train(input, bn.gamma.val(), bn.beta.val(), bn.epsilon);
    update_running_stats(bn, result.mean, result.variance, samples);
    result.output
}

/// Updates `bn`'s running statistics with a batch's mean and biased variance over `samples`
/// values per channel, as `torch.nn.BatchNorm2d` does (the variance made unbiased).
pub(crate) fn update_running_stats(
    bn: &BatchNorm,
    mean: Tensor<1>,
    variance: Tensor<1>,
    samples: usize,
) {
    let device = mean.device();
    let correction = samples as f64 / (samples.max(2) - 1) as f64;
    let momentum = bn.momentum;
    let running_mean = bn.running_mean.value_sync().to_device(&device);
    let running_var = bn.running_var.value_sync().to_device(&device);
    let running_mean = running_mean
        .mul_scalar(1.0 - momentum)
        .add(mean.detach().mul_scalar(momentum));
    let running_var = running_var
        .mul_scalar(1.0 - momentum)
        .add(variance.detach().mul_scalar(momentum * correction));
    bn.running_mean.update(running_mean.detach());
    bn.running_var.update(running_var.detach());
    // Publish the update now: visitors (records, checkpoints, `collect`) read the shared value,
    // which burn's `RunningState` otherwise leaves one update behind.
    let _ = (bn.running_mean.value_sync(), bn.running_var.value_sync());
}

/// Global average pooling: `[N, C, H, W] -> [N, C]`.
pub fn global_avg_pool(input: Tensor<4>) -> Tensor<2> {
    let [n, c, _, _] = input.dims();
    input.flatten::<3>(2, 3).mean_dim(2).reshape([n, c])
}
