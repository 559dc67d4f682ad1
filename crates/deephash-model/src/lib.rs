//! deephash-model: the hashing network on burn.
//!
//! - [`backbone`]: ResNet-18/34/50 (torchvision layout and keys), EfficientNet-Lite0 (the
//!   `efficientnet-lite-pytorch` package), a small CNN; [`BackboneKind`] names them and says
//!   which input [`Normalization`] each expects.
//! - [`head`]: the seed's `tanh(Linear)` head and the divide-and-encode head;
//!   [`feature_power`]: the signed power applied to a frozen backbone's features before it.
//! - [`HashNet`]: backbone + head, saved and loaded as a burnpack record.
//! - [`load_backbone_weights`]: torchvision/PyTorch `.pth` and `.safetensors` state dicts, with
//!   one error listing every missing, unexpected or mis-shaped key.
//! - [`fused::conv_bn`]: convolution + batch norm + residual + activation, folded and run in
//!   deephash-kernels for inference on the CPU; [`inference`]: a loaded network in inference
//!   form ([`HashNet::inference`]), its batch norms folded into the convolutions once.
//! - [`train_conv`]: the training convolution on the CPU, deephash-kernels' forward with a
//!   hand-written backward (a custom autodiff operation); [`train_bn`]: batch norm + residual
//!   + activation in training mode as one such operation.
//! - [`max_pool::max_pool2d`]: max pooling in deephash-kernels on the CPU (inference, and a
//!   custom autodiff operation in training).
//! - [`DeviceSpec`]: `--device cpu|cuda[:N]`.
//!
//! Tensors and modules are not generic in burn 0.22: the backend is the [`burn::tensor::Device`]
//! they live on (Flex on CPU, CUDA with the `cuda` feature; `.autodiff()` for training).

pub mod backbone;
mod device;
mod error;
pub mod feature_power;
pub mod folded;
pub mod fused;
pub mod hashnet;
pub mod head;
pub mod inference;
pub mod layers;
pub mod max_pool;
#[doc(hidden)]
pub mod testing;
pub mod throughput;
pub mod train_bn;
pub mod train_conv;
mod weights;

pub use backbone::{Backbone, BackboneConfig, BackboneKind, Normalization};
pub use device::{DeviceSpec, cpu_device};
pub use error::ModelError;
pub use hashnet::{HashNet, HashNetConfig};
pub use head::{HashHead, HeadKind};
pub use inference::{InferenceBackbone, InferenceNet};
pub use weights::{backbone_from_weights, load_backbone_weights, rename_key};

/// Re-export of burn, so that users of this crate name the same version.
pub use burn;
