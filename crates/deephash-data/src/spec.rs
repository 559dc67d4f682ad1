//! `--dataset KIND --data-dir PATH`: which data set to load and from where. The one typed
//! description of a data set: the command line parses into it, a run's `config.toml` stores
//! it (`[data] dataset = "cub"`, `data_dir = ...`), encoders and evaluation load from it.

use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{DataError, Result};

/// The data set loaders; in files by their command-line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// CUB-200-2011 ([`crate::load_cub`]).
    Cub,
    /// Stanford Dogs ([`crate::load_dogs`]).
    Dogs,
    /// Class folders ([`crate::load_folder`]).
    Folder,
    /// List files ([`crate::load_list`]).
    List,
    /// Fashion-MNIST IDX files ([`crate::load_fashion_mnist`]); the bundled subset by default.
    #[serde(alias = "fashion_mnist")]
    FashionMnist,
}

impl DatasetKind {
    /// The command-line names, in the order of the variants.
    pub const NAMES: [&'static str; 5] = ["cub", "dogs", "folder", "list", "fashion-mnist"];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl FromStr for DatasetKind {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cub" => Ok(Self::Cub),
            "dogs" => Ok(Self::Dogs),
            "folder" => Ok(Self::Folder),
            "list" => Ok(Self::List),
            "fashion-mnist" | "fashion_mnist" => Ok(Self::FashionMnist),
            _ => Err(DataError::Invalid(format!(
                "unknown data set {s:?}; expected one of {}",
                Self::NAMES.join(", ")
            ))),
        }
    }
}

impl std::fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything needed to load a data set: what the command line gives, and what a run's
/// `config.toml` records under `[data]` (`dataset`, `data_dir`, `test_fraction`,
/// `split_seed`; files written before the last two existed load with the defaults they were
/// split with).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSpec {
    /// Which loader.
    #[serde(rename = "dataset")]
    pub kind: DatasetKind,
    /// Its folder (or list file); required except for Fashion-MNIST (bundled subset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Test share for folder/list data without their own split.
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// Seed of that split.
    #[serde(default, rename = "split_seed")]
    pub seed: u64,
}

fn default_test_fraction() -> f64 {
    DatasetSpec::DEFAULT_TEST_FRACTION
}

impl DatasetSpec {
    /// Default test fraction for data without its own split.
    pub const DEFAULT_TEST_FRACTION: f64 = 0.2;

    /// A spec with the default test fraction and seed 0.
    pub fn new(kind: DatasetKind, data_dir: Option<PathBuf>) -> Self {
        Self {
            kind,
            data_dir,
            test_fraction: Self::DEFAULT_TEST_FRACTION,
            seed: 0,
        }
    }

    /// Loads the data set.
    pub fn load(&self) -> Result<Dataset> {
        if self.kind == DatasetKind::FashionMnist {
            let dir = match &self.data_dir {
                Some(d) => d.clone(),
                None => crate::fashion::default_fashion_dir().ok_or_else(|| {
                    DataError::Invalid(format!(
                        "the bundled Fashion-MNIST subset was not found (looked for data/fashion-mnist-subset \
                         near the current folder and the binary); set {} or --data-dir",
                        crate::fashion::FASHION_DIR_ENV
                    ))
                })?,
            };
            return crate::fashion::load_fashion_mnist(&dir);
        }
        let dir = self.data_dir.as_deref().ok_or_else(|| {
            DataError::Invalid(format!("--dataset {} needs --data-dir", self.kind))
        })?;
        if !dir.exists() {
            return Err(DataError::layout(dir, "data directory does not exist"));
        }
        match self.kind {
            DatasetKind::Cub => crate::cub::load_cub(dir),
            DatasetKind::Dogs => crate::dogs::load_dogs(dir),
            DatasetKind::Folder => crate::folder::load_folder(dir, self.test_fraction, self.seed),
            DatasetKind::List => crate::list::load_list(dir, self.test_fraction, self.seed),
            DatasetKind::FashionMnist => unreachable!("handled above"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip_and_unknown_is_explained() {
        for n in DatasetKind::NAMES {
            assert_eq!(n.parse::<DatasetKind>().unwrap().name(), n);
        }
        let err = "imagenet".parse::<DatasetKind>().unwrap_err().to_string();
        assert!(
            err.contains("cub, dogs, folder, list, fashion-mnist"),
            "{err}"
        );
    }

    #[test]
    fn kinds_are_stored_by_their_command_line_names() {
        #[derive(Serialize, Deserialize)]
        struct Holder {
            dataset: DatasetKind,
        }
        for kind in [DatasetKind::Cub, DatasetKind::FashionMnist] {
            let text = serde_json::to_string(&Holder { dataset: kind }).unwrap();
            assert_eq!(text, format!("{{\"dataset\":\"{}\"}}", kind.name()));
        }
        let old: Holder = serde_json::from_str(r#"{"dataset":"fashion_mnist"}"#).unwrap();
        assert_eq!(old.dataset, DatasetKind::FashionMnist);
        assert!(serde_json::from_str::<Holder>(r#"{"dataset":"imagenet"}"#).is_err());
    }

    #[test]
    fn a_spec_without_its_split_fields_loads_with_the_defaults() {
        let spec: DatasetSpec = serde_json::from_str(r#"{"dataset":"folder"}"#).unwrap();
        assert_eq!(spec, DatasetSpec::new(DatasetKind::Folder, None));
    }

    #[test]
    fn data_dir_required_except_fashion() {
        let err = DatasetSpec::new(DatasetKind::Cub, None)
            .load()
            .unwrap_err()
            .to_string();
        assert!(err.contains("--data-dir"), "{err}");
    }
}
