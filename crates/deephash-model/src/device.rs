//! Compute devices: `--device cpu|cuda[:N]|wgpu[:N]` parsing and burn device construction.
//!
//! burn 0.22 has no backend type parameter on tensors or modules: the backend is chosen by the
//! [`Device`] a tensor lives on. The default backend is burn's pure-Rust CPU backend Flex
//! (multi-threaded with rayon, SIMD kernels); the `cuda` feature adds burn's CUDA backend
//! (NVIDIA), the `wgpu` feature burn's portable GPU backend (Vulkan, Metal, DX12 through wgpu).
//! A GPU device is probed when it is built, so that a missing driver is an error, not a panic
//! in the middle of a run.
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
    /// burn's wgpu backend: `None` is the adapter wgpu prefers (a high-power GPU first;
    /// `CUBECL_WGPU_DEFAULT_DEVICE` overrides it), `Some(n)` the n-th adapter wgpu lists.
    Wgpu(Option<usize>),
}

impl FromStr for DeviceSpec {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(0)),
            "wgpu" => Ok(Self::Wgpu(None)),
            _ => indexed(&lower, "cuda:")
                .map(Self::Cuda)
                .or_else(|| indexed(&lower, "wgpu:").map(|n| Self::Wgpu(Some(n))))
                .ok_or_else(|| ModelError::BadDevice(text.to_string())),
        }
    }
}

/// The index after `prefix` (`cuda:3` -> 3), if `text` is that.
fn indexed(text: &str, prefix: &str) -> Option<usize> {
    text.strip_prefix(prefix)?.parse().ok()
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => f.write_str("cpu"),
            Self::Cuda(index) => write!(f, "cuda:{index}"),
            Self::Wgpu(None) => f.write_str("wgpu"),
            Self::Wgpu(Some(index)) => write!(f, "wgpu:{index}"),
        }
    }
}

impl DeviceSpec {
    /// The inference device (no autodiff); for a GPU, checks that it answers.
    pub fn device(&self) -> Result<Device, ModelError> {
        match self {
            Self::Cpu => Ok(cpu_device()),
            Self::Cuda(index) => cuda_device(*index, &self.to_string()),
            Self::Wgpu(index) => wgpu_device(*index, &self.to_string()),
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

/// Builds a CUDA device and checks that it answers.
#[cfg(feature = "cuda")]
fn cuda_device(index: usize, name: &str) -> Result<Device, ModelError> {
    probe(move || Device::cuda(index)).map_err(|message| ModelError::CudaUnavailable {
        device: name.to_string(),
        message,
    })
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device(_index: Option<usize>, name: &str) -> Result<Device, ModelError> {
    Err(ModelError::WgpuNotCompiled(name.to_string()))
}

/// Builds a wgpu device (wgpu's preferred adapter, or the n-th it lists) and checks that it
/// answers.
#[cfg(feature = "wgpu")]
fn wgpu_device(index: Option<usize>, name: &str) -> Result<Device, ModelError> {
    use burn::tensor::{DeviceKind, DeviceType};
    let unavailable = |message: String| ModelError::WgpuUnavailable {
        device: name.to_string(),
        message,
    };
    let adapters = Device::enumerate(DeviceType::Wgpu);
    if adapters.is_empty() {
        return Err(unavailable("wgpu finds no adapter".to_string()));
    }
    let device = match index {
        None => Device::wgpu(DeviceKind::DefaultDevice),
        Some(n) => adapters.get(n).cloned().ok_or_else(|| {
            unavailable(format!(
                "wgpu lists {} adapter(s), numbered from 0",
                adapters.len()
            ))
        })?,
    };
    probe(move || device).map_err(unavailable)
}

/// Builds a GPU device and runs one tiny operation on it, turning the panic burn raises when
/// no driver or GPU is present into the panic's message.
#[cfg(any(feature = "cuda", feature = "wgpu"))]
fn probe(make: impl FnOnce() -> Device) -> Result<Device, String> {
    use burn::tensor::Tensor;
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let device = make();
        let _ = Tensor::<1>::zeros([1], &device).into_data();
        device
    }));
    std::panic::set_hook(previous_hook);
    probe.map_err(|panic| panic_message(panic.as_ref()))
}

#[cfg(any(feature = "cuda", feature = "wgpu"))]
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "GPU initialisation failed".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!("cpu".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cpu);
        assert_eq!("cuda".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(0));
        assert_eq!("CUDA:3".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(3));
        assert_eq!(
            "wgpu".parse::<DeviceSpec>().unwrap(),
            DeviceSpec::Wgpu(None)
        );
        assert_eq!(
            " WGPU:2".parse::<DeviceSpec>().unwrap(),
            DeviceSpec::Wgpu(Some(2))
        );
        assert!("cuda:x".parse::<DeviceSpec>().is_err());
        assert!("wgpu:".parse::<DeviceSpec>().is_err());
        assert!("wgpu:-1".parse::<DeviceSpec>().is_err());
        assert!("tpu".parse::<DeviceSpec>().is_err());
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_feature_is_a_clear_error() {
        let err = DeviceSpec::Cuda(0).device().unwrap_err();
        assert!(err.to_string().contains("--features cuda"), "{err}");
    }

    #[test]
    fn names_round_trip() {
        for spec in [
            DeviceSpec::Cpu,
            DeviceSpec::Cuda(1),
            DeviceSpec::Wgpu(None),
            DeviceSpec::Wgpu(Some(3)),
        ] {
            assert_eq!(spec.to_string().parse::<DeviceSpec>().unwrap(), spec);
        }
    }

    #[cfg(not(feature = "wgpu"))]
    #[test]
    fn wgpu_without_feature_is_a_clear_error() {
        let err = DeviceSpec::Wgpu(Some(1)).device().unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("--features wgpu") && text.contains("wgpu:1"),
            "{text}"
        );
    }
}
