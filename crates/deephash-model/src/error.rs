//! Errors of the model crate: every message names the file or the value at fault.

use std::path::PathBuf;

/// Everything that can go wrong while building, loading or saving a network.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A backbone name that is not one of the supported ones.
    #[error(
        "unknown backbone `{0}` (expected resnet18, resnet34, resnet50, efficientnet-lite0 or small-cnn)"
    )]
    UnknownBackbone(String),
    /// A head name that is not one of the supported ones.
    #[error("unknown hash head `{0}` (expected linear or dae)")]
    UnknownHead(String),
    /// A `--device` value that does not parse.
    #[error("invalid device `{0}` (expected cpu, cuda, cuda:N, wgpu or wgpu:N)")]
    BadDevice(String),
    /// `--device cuda` on a binary built without the `cuda` feature.
    #[error(
        "device `{0}` needs CUDA support: rebuild with `--features cuda` (and an NVIDIA driver)"
    )]
    CudaNotCompiled(String),
    /// CUDA support is compiled in but no usable GPU or driver answered.
    #[error("device `{device}` is not usable (no NVIDIA GPU or driver?): {message}")]
    CudaUnavailable {
        /// The device asked for.
        device: String,
        /// What the CUDA runtime said.
        message: String,
    },
    /// `--device wgpu` on a binary built without the `wgpu` feature.
    #[error(
        "device `{0}` needs wgpu support (Vulkan, Metal, DX12): rebuild with `--features wgpu`"
    )]
    WgpuNotCompiled(String),
    /// wgpu support is compiled in but no adapter answered (no Vulkan/Metal/DX12 driver, or no
    /// adapter with that index).
    #[error("device `{device}` is not usable (no Vulkan, Metal or DX12 adapter?): {message}")]
    WgpuUnavailable {
        /// The device asked for.
        device: String,
        /// What wgpu said, or which adapters it lists.
        message: String,
    },
    /// The device reported a failed operation while we waited for its queued work (a GPU
    /// backend runs asynchronously; a timed benchmark waits for it before stopping the clock).
    #[error("device execution failed: {0}")]
    Execution(String),
    /// A network configuration that cannot be built (zero bits, a head wider than the feature…).
    #[error("invalid network configuration: {0}")]
    InvalidConfig(String),
    /// A weights file with an extension we do not read.
    #[error("{0}: unsupported weights file (expected .pth, .pt or .safetensors)")]
    WeightsFormat(PathBuf),
    /// A weights file that cannot be read or parsed.
    #[error("{path}: cannot read weights: {message}")]
    WeightsRead {
        /// The file.
        path: PathBuf,
        /// The reader's message.
        message: String,
    },
    /// A weights file whose keys or shapes do not fit the network; lists every offending key.
    #[error("{path}: weights do not fit {network}:\n{report}")]
    WeightsMismatch {
        /// The file.
        path: PathBuf,
        /// The network it was loaded into.
        network: String,
        /// One line per missing key, unexpected key or shape mismatch.
        report: String,
    },
    /// Saving or loading a whole network (burnpack record) failed.
    #[error("{path}: cannot {action} model: {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// `save` or `load`.
        action: &'static str,
        /// The underlying message.
        message: String,
    },
}
