//! Loading PyTorch state dicts (`.pth` zip pickles, `.safetensors`) into a backbone.
//!
//! The file's keys are first renamed to ours (torchvision `downsample.0/1` → `downsample.conv/bn`,
//! the Lite package's leading underscores dropped, `module.` prefixes dropped,
//! `num_batches_tracked` ignored, the classifier ignored when the backbone has none), then
//! compared with the backbone's own keys and shapes in PyTorch convention. Any difference is
//! one error that lists every offending key with both shapes; only then are tensors applied.

use std::collections::BTreeMap;
use std::path::Path;

use burn::store::burn_pack::Tensor as PackTensor;
use burn::store::{
    BurnToPyTorchAdapter, ModuleSnapshot, ModuleStore, PyTorchToBurnAdapter, PytorchStore,
    SafetensorsStore,
};

use burn::tensor::Device;

use crate::backbone::{BackboneConfig, ResNetConfig};
use crate::{Backbone, BackboneKind, ModelError};

/// Loads a state dict into `backbone`, checking every key and shape first.
pub fn load_backbone_weights(backbone: Backbone, path: &Path) -> Result<Backbone, ModelError> {
    apply_state_dict(backbone, read_state_dict(path)?, path)
}

/// Builds the feature extractor of a named backbone (no classifier) from a weights file.
///
/// For ResNets the width is read from `conv1.weight`, so narrow torchvision-layout networks
/// (such as the test fixtures) load too; every other dimension follows the standard network.
pub fn backbone_from_weights(
    kind: BackboneKind,
    path: &Path,
    device: &Device,
) -> Result<Backbone, ModelError> {
    let file = read_state_dict(path)?;
    let mut config = BackboneConfig::from_kind(kind);
    if let BackboneConfig::ResNet(resnet) = &mut config {
        *resnet = ResNetConfig {
            width: resnet_width(&file).unwrap_or(resnet.width),
            ..resnet.clone()
        };
    }
    apply_state_dict(config.init(device), file, path)
}

fn resnet_width(file: &[PackTensor]) -> Option<usize> {
    let conv1 = file
        .iter()
        .find(|t| t.name.trim_start_matches("module.") == "conv1.weight")?;
    conv1.shape.to_vec().first().copied()
}

fn apply_state_dict(
    mut backbone: Backbone,
    file: Vec<PackTensor>,
    path: &Path,
) -> Result<Backbone, ModelError> {
    let tensors = rename_for(&backbone, file);
    check_keys(&backbone, &tensors, path)?;
    let result = backbone.apply(tensors, None, Some(Box::new(PyTorchToBurnAdapter)), true);
    if !result.errors.is_empty() || !result.missing.is_empty() {
        return Err(ModelError::WeightsMismatch {
            path: path.to_path_buf(),
            network: backbone.name().to_string(),
            report: result.to_string(),
        });
    }
    Ok(backbone)
}

/// Every tensor of a `.pth`/`.pt` or `.safetensors` file, by key.
fn read_state_dict(path: &Path) -> Result<Vec<PackTensor>, ModelError> {
    let read_error = |message: String| ModelError::WeightsRead {
        path: path.to_path_buf(),
        message,
    };
    if !path.is_file() {
        return Err(read_error("no such file".to_string()));
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let tensors = match extension.as_str() {
        "pth" | "pt" | "bin" => PytorchStore::from_file(path)
            .get_all_tensors()
            .map(|all| all.values().cloned().collect())
            .map_err(|e| read_error(e.to_string()))?,
        "safetensors" => SafetensorsStore::from_file(path)
            .get_all_tensors()
            .map(|all| all.values().cloned().collect())
            .map_err(|e| read_error(e.to_string()))?,
        _ => return Err(ModelError::WeightsFormat(path.to_path_buf())),
    };
    Ok(tensors)
}

/// Renames file keys to the backbone's names; drops what the backbone does not hold.
fn rename_for(backbone: &Backbone, tensors: Vec<PackTensor>) -> Vec<PackTensor> {
    let keep_classifier = backbone.has_classifier();
    tensors
        .into_iter()
        .filter_map(|mut tensor| {
            let name = rename_key(backbone, &tensor.name)?;
            if !keep_classifier && name.starts_with("fc.") {
                return None;
            }
            tensor.name = name;
            Some(tensor)
        })
        .collect()
}

/// Our name of a PyTorch state-dict key for this backbone, or `None` for keys that carry no
/// parameter we keep (`num_batches_tracked`). Public for tests that compare running statistics.
pub fn rename_key(backbone: &Backbone, key: &str) -> Option<String> {
    let key = key.strip_prefix("module.").unwrap_or(key);
    if key.ends_with("num_batches_tracked") {
        return None;
    }
    Some(match backbone {
        Backbone::ResNet(_) => key
            .replace(".downsample.0.", ".downsample.conv.")
            .replace(".downsample.1.", ".downsample.bn."),
        Backbone::EfficientNetLite(_) => key
            .split('.')
            .map(|part| part.strip_prefix('_').unwrap_or(part))
            .collect::<Vec<_>>()
            .join("."),
        Backbone::SmallCnn(_) => key.to_string(),
    })
}

/// Compares the file's keys and shapes with the backbone's; one error lists every difference.
fn check_keys(backbone: &Backbone, tensors: &[PackTensor], path: &Path) -> Result<(), ModelError> {
    let expected: BTreeMap<String, Vec<usize>> = backbone
        .collect(None, Some(Box::new(BurnToPyTorchAdapter)), true)
        .into_iter()
        .map(|t| (t.name.clone(), t.shape.to_vec()))
        .collect();
    let found: BTreeMap<String, Vec<usize>> = tensors
        .iter()
        .map(|t| (t.name.clone(), t.shape.to_vec()))
        .collect();
    let report = mismatch_report(&expected, &found);
    if report.is_empty() {
        return Ok(());
    }
    Err(ModelError::WeightsMismatch {
        path: path.to_path_buf(),
        network: backbone.name().to_string(),
        report: report.join("\n"),
    })
}

/// One line per missing key, unexpected key and shape mismatch (shapes in PyTorch order).
fn mismatch_report(
    expected: &BTreeMap<String, Vec<usize>>,
    found: &BTreeMap<String, Vec<usize>>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (key, shape) in expected {
        match found.get(key) {
            None => lines.push(format!("  missing key {key} (model {shape:?})")),
            Some(other) if other != shape => lines.push(format!(
                "  shape mismatch {key}: model {shape:?}, file {other:?}"
            )),
            Some(_) => {}
        }
    }
    for (key, shape) in found {
        if !expected.contains_key(key) {
            lines.push(format!("  unexpected key {key} (file {shape:?})"));
        }
    }
    lines
}
