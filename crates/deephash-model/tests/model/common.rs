//! Shared helpers: fixture paths, manifest specs, tensor comparison.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use deephash_model::BackboneConfig;
use deephash_model::backbone::{EfficientNetLiteConfig, ResNetConfig, SmallCnnConfig};
use deephash_model::burn::store::{ModuleStore, SafetensorsStore, bridge};
use deephash_model::burn::tensor::{Device, Tensor, TensorData};
use serde_json::Value;

/// The committed fixture directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// `manifest.json` of a fixture directory.
pub fn manifest(dir: &Path) -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest parses")
}

/// The backbone configuration a manifest entry describes.
pub fn config(spec: &Value) -> BackboneConfig {
    let num_classes = spec["num_classes"].as_u64().map(|n| n as usize);
    match spec["kind"].as_str().unwrap() {
        "resnet" => {
            let layers: Vec<usize> = spec["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            BackboneConfig::ResNet(ResNetConfig {
                bottleneck: spec["bottleneck"].as_bool().unwrap(),
                layers: layers.try_into().unwrap(),
                width: spec["width"].as_u64().unwrap() as usize,
                num_classes,
            })
        }
        "efficientnet-lite" => BackboneConfig::EfficientNetLite(EfficientNetLiteConfig {
            width: spec["width"].as_f64().unwrap(),
            depth: spec["depth"].as_f64().unwrap(),
            num_classes,
        }),
        "small-cnn" => BackboneConfig::SmallCnn(SmallCnnConfig {
            width: spec["width"].as_u64().unwrap() as usize,
            stages: spec["stages"].as_u64().unwrap() as usize,
        }),
        other => panic!("unknown kind {other}"),
    }
}

/// A float tensor from a file: shape and values.
#[derive(Debug, Clone)]
pub struct Array {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl Array {
    /// Onto a device as a tensor of rank `D`.
    pub fn tensor<const D: usize>(&self, device: &Device) -> Tensor<D> {
        Tensor::from_data(
            TensorData::new(self.values.clone(), self.shape.clone()),
            device,
        )
    }
}

/// Every tensor of a safetensors file, as f32.
pub fn read_safetensors(path: &Path) -> BTreeMap<String, Array> {
    let mut store = SafetensorsStore::from_file(path);
    let all = store
        .get_all_tensors()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    all.iter()
        .map(|(name, t)| {
            let data = bridge::to_data(t).unwrap();
            (
                name.clone(),
                Array {
                    shape: t.shape.to_vec(),
                    values: data.try_to_vec::<f32>().unwrap(),
                },
            )
        })
        .collect()
}

/// Values of a tensor, as f32.
pub fn values<const D: usize>(t: Tensor<D>) -> (Vec<usize>, Vec<f32>) {
    let shape = t.dims().to_vec();
    (
        shape,
        t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap(),
    )
}

/// Largest absolute difference; panics on a shape difference.
pub fn max_abs_diff(what: &str, expected: &Array, actual: (Vec<usize>, Vec<f32>)) -> f32 {
    assert_eq!(expected.shape, actual.0, "{what}: shape");
    expected
        .values
        .iter()
        .zip(&actual.1)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

/// Largest difference between `expected` and `actual` (shape, values), relative to the largest
/// magnitude of the expected values; `what` names the quantity when the shapes differ.
pub fn relative_error(what: &str, expected: &Array, actual: (Vec<usize>, Vec<f32>)) -> f32 {
    assert_eq!(expected.shape, actual.0, "{what}: shape");
    let scale = expected.values.iter().fold(1e-12f32, |m, v| m.max(v.abs()));
    let diff = expected
        .values
        .iter()
        .zip(&actual.1)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    diff / scale
}
