//! What a code database knows about its items and codes beyond the codes themselves: the
//! names of the label classes, the data set the items came from, and the model that made
//! the codes. Stored as a JSON section of the `.dhc` file (see [`crate::db_format`]); files
//! written before it existed have none, and every field is optional.

use serde::{Deserialize, Serialize};

use crate::CodesError;

/// Metadata of a code database; [`DbMeta::default`] when nothing is known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbMeta {
    /// Names of the label classes: label `i` is `class_names[i]` (empty: unknown).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_names: Vec<String>,
    /// The data set whose samples the ids name, when the codes came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<DatasetRef>,
    /// The model that made the codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelFingerprint>,
}

/// A data set as it was loaded: its kind and folder, as the command line names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetRef {
    /// The loader (`fashion-mnist`, `cub`, `dogs`, `folder`, `list`).
    pub kind: String,
    /// Its folder (absent: the loader's default, e.g. the bundled Fashion-MNIST subset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
}

/// Which model made a set of codes: codes of different models are not comparable even at
/// the same length, so searching one model's codes with another's is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFingerprint {
    /// The run directory, as it was named when the codes were made.
    pub run: String,
    /// CRC-32 of the weights file (`model.bpk`), in hexadecimal.
    pub weights: String,
    /// Code length.
    pub bits: usize,
    /// The image transform before the network (backbone, resize, crop, normalisation).
    pub transform: String,
}

impl ModelFingerprint {
    /// True when both fingerprints name the same network (weights, bits and transform; the
    /// run directory may have moved).
    pub fn same_model(&self, other: &ModelFingerprint) -> bool {
        self.weights == other.weights
            && self.bits == other.bits
            && self.transform == other.transform
    }
}

impl std::fmt::Display for ModelFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {} (weights crc32 {}, {} bits)",
            self.run, self.weights, self.bits
        )
    }
}

impl DbMeta {
    /// True when nothing is known (then no section is written).
    pub fn is_empty(&self) -> bool {
        *self == DbMeta::default()
    }

    /// The JSON bytes of the section.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("metadata serialises")
    }

    /// Parses the section; `path` names the file in errors.
    pub(crate) fn from_json(path: &std::path::Path, bytes: &[u8]) -> Result<Self, CodesError> {
        serde_json::from_slice(bytes).map_err(|e| {
            crate::file_bytes::file_error(path, format!("metadata section is corrupt: {e}"))
        })
    }
}
