//! Compute devices: `--device cpu|cuda[:N]` parsing and burn device construction.
//!
//! burn 0.22 has no backend type parameter on tensors or modules: the backend is chosen by the
//! [`Device`] a tensor lives on. The default backend is burn's pure-Rust CPU backend Flex
//! (multi-threaded with rayon, SIMD kernels); the `cuda` feature adds burn's CUDA backend.
//! Training wraps a device with autodiff ([`DeviceSpec::training_device`]).

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

use crate::ModelError;

/// Where the network runs, as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceSpec {
    /// burn's Flex CPU backend (all cores).
    #[default]
    Cpu,
    /// burn's CUDA backend on the GPU with this index.
    Cuda(usize),
}

impl FromStr for DeviceSpec {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(0)),
            _ => lower
                .strip_prefix("cuda:")
                .and_then(|index| index.parse().ok())
                .map(Self::Cuda)
                .ok_or_else(|| ModelError::BadDevice(text.to_string())),
        }
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => f.write_str("cpu"),
            Self::Cuda(index) => write!(f, "cuda:{index}"),
        }
    }
}

impl DeviceSpec {
    /// The inference device (no autodiff); for CUDA, checks that a GPU answers.
    pub fn device(&self) -> Result<Device, ModelError> {
        match self {
            Self::Cpu => Ok(cpu_device()),
            Self::Cuda(index) => cuda_device(*index, &self.to_string()),
        }
    }

    /// The training device: [`DeviceSpec::device`] with autodiff, so that BatchNorm runs in
    /// training mode and gradients flow.
    pub fn training_device(&self) -> Result<Device, ModelError> {
        Ok(self.device()?.autodiff())
    }
}

/// The default CPU device (burn Flex).
pub fn cpu_device() -> Device {
    Device::flex()
}

#[cfg(not(feature = "cuda"))]
fn cuda_device(_index: usize, name: &str) -> Result<Device, ModelError> {
    Err(ModelError::CudaNotCompiled(name.to_string()))
}

/// Builds a CUDA device and runs one tiny operation on it, turning the panic burn raises when
/// no driver or GPU is present into an error.
#[cfg(feature = "cuda")]
fn cuda_device(index: usize, name: &str) -> Result<Device, ModelError> {
    use burn::tensor::Tensor;
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(move || {
        let device = Device::cuda(index);
        let _ = Tensor::<1>::zeros([1], &device).into_data();
        device
    });
    std::panic::set_hook(previous_hook);
    probe.map_err(|panic| ModelError::CudaUnavailable {
        device: name.to_string(),
        message: panic_message(panic.as_ref()),
    })
}

#[cfg(feature = "cuda")]
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "CUDA initialisation failed".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!("cpu".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cpu);
        assert_eq!("cuda".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(0));
        assert_eq!("CUDA:3".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(3));
        assert!("cuda:x".parse::<DeviceSpec>().is_err());
        assert!("tpu".parse::<DeviceSpec>().is_err());
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_feature_is_a_clear_error() {
        let err = DeviceSpec::Cuda(0).device().unwrap_err();
        assert!(err.to_string().contains("--features cuda"), "{err}");
    }
}
