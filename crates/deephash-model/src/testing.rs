//! Test support shared by the GPU test suites of this crate and of deephash-train (one
//! definition of when a GPU test runs, skips or fails); not part of the API.

use burn::tensor::Device;

use crate::{DeviceSpec, ModelError};

/// The GPU under test, or `None` after a loud message when it is absent.
///
/// `DEEPHASH_TEST_GPU` picks the device (a `--device` value; default `wgpu` where the build has
/// it, else `cuda`). Absent means wgpu lists no adapter, or CUDA finds no GPU or driver; any
/// other error panics. `DEEPHASH_REQUIRE_GPU=1` (set by `scripts/test.sh`, which installs
/// lavapipe) turns the skip into a failure.
pub fn gpu_or_skip(test: &str) -> Option<Device> {
    let default = if cfg!(feature = "wgpu") {
        "wgpu"
    } else {
        "cuda"
    };
    let name = std::env::var("DEEPHASH_TEST_GPU").unwrap_or_else(|_| default.to_string());
    let spec: DeviceSpec = name
        .parse()
        .unwrap_or_else(|err| panic!("DEEPHASH_TEST_GPU={name}: {err}"));
    let required = std::env::var("DEEPHASH_REQUIRE_GPU").as_deref() == Ok("1");
    let absent = match spec.device() {
        Ok(device) => {
            println!("{test}: on {spec} ({device:?})");
            return Some(device);
        }
        Err(ModelError::WgpuUnavailable { .. }) if no_wgpu_adapter() => {
            "wgpu lists no Vulkan, Metal or DX12 adapter \
             (on Debian, `apt-get install mesa-vulkan-drivers` gives lavapipe)"
                .to_string()
        }
        Err(err @ ModelError::CudaUnavailable { .. }) => err.to_string(),
        Err(err) => panic!("{test}: {err}"),
    };
    assert!(!required, "{test}: DEEPHASH_REQUIRE_GPU=1 but {absent}");
    eprintln!("\n*** SKIPPED {test}: {absent} ***\n");
    None
}

#[cfg(feature = "wgpu")]
fn no_wgpu_adapter() -> bool {
    Device::enumerate(burn::tensor::DeviceType::Wgpu).is_empty()
}

#[cfg(not(feature = "wgpu"))]
fn no_wgpu_adapter() -> bool {
    false
}
