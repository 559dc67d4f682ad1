//! What `deephash fetch` can download: official addresses, sizes and checksums.

use std::str::FromStr;

use crate::error::DataError;

/// How a downloaded file is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Full SHA-256, lower-case hex.
    Sha256(&'static str),
    /// MD5, lower-case hex (CUB publishes only this).
    Md5(&'static str),
    /// torch.hub's rule: the SHA-256 starts with these hex digits (from the file name).
    Sha256Prefix(&'static str),
}

/// One file to download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// Official address.
    pub url: &'static str,
    /// File name on disk (also appended to an overridden base URL).
    pub file: &'static str,
    /// Size in bytes, when published.
    pub size: Option<u64>,
    /// Verification.
    pub checksum: Checksum,
    /// Whether it is a tar archive (optionally gzip-compressed) to unpack.
    pub archive: bool,
}

/// A thing to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchTarget {
    /// CUB-200-2011 (1.1 GB).
    Cub,
    /// Stanford Dogs images, lists and annotations (0.8 GB).
    Dogs,
    /// torchvision ResNet-18 ImageNet weights (45 MB).
    Resnet18,
    /// torchvision ResNet-50 (V1) ImageNet weights (98 MB).
    Resnet50,
}

impl FromStr for FetchTarget {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, DataError> {
        match s {
            "cub" => Ok(Self::Cub),
            "dogs" => Ok(Self::Dogs),
            "resnet18" => Ok(Self::Resnet18),
            "resnet50" => Ok(Self::Resnet50),
            _ => Err(DataError::Invalid(format!(
                "cannot fetch {s:?}; expected cub, dogs, resnet18 or resnet50"
            ))),
        }
    }
}

const DOGS: &str = "http://vision.stanford.edu/aditya86/ImageNetDogs";

impl FetchTarget {
    /// The files of this target.
    pub fn assets(self) -> Vec<Asset> {
        match self {
            Self::Cub => vec![Asset {
                url: "https://data.caltech.edu/records/65de6-vp158/files/CUB_200_2011.tgz",
                file: "CUB_200_2011.tgz",
                size: Some(1_150_585_339),
                checksum: Checksum::Md5("97eceeb196236b17998738112f37df78"),
                archive: true,
            }],
            Self::Dogs => vec![
                dogs(
                    "images.tar",
                    793_579_520,
                    "a443fc2f9a851aa1a7b8e4fa4af94b8459fce2c9f5a2f4dd4669cf9673a4ec58",
                ),
                dogs(
                    "lists.tar",
                    481_280,
                    "34b47cacd9a98b5d150e084f24d29391c084c55272295ec65c85651bc35f4d6c",
                ),
                dogs(
                    "annotation.tar",
                    21_852_160,
                    "662ed36f707be6b195c2fda392d8e153e83af28cedc8e2134a649f198def30fd",
                ),
            ],
            Self::Resnet18 => vec![weights("resnet18-f37072fd.pth", "f37072fd")],
            Self::Resnet50 => vec![weights("resnet50-0676ba61.pth", "0676ba61")],
        }
    }

    /// Whether this is a data set (unpacked and layout-checked) rather than a weights file.
    pub fn is_dataset(self) -> bool {
        matches!(self, Self::Cub | Self::Dogs)
    }

    /// Where it goes unless told otherwise: `data/<name>` for data sets, `weights/` for
    /// weights.
    pub fn default_dir(self) -> std::path::PathBuf {
        match self {
            Self::Cub => "data/cub".into(),
            Self::Dogs => "data/dogs".into(),
            Self::Resnet18 | Self::Resnet50 => "weights".into(),
        }
    }

    /// The training option the fetched path is for: `--data-dir` for a data set, `--weights`
    /// for weights.
    pub fn used_with(self) -> &'static str {
        if self.is_dataset() {
            "--data-dir"
        } else {
            "--weights"
        }
    }
}

fn dogs(file: &'static str, size: u64, sha: &'static str) -> Asset {
    let url = match file {
        "images.tar" => "http://vision.stanford.edu/aditya86/ImageNetDogs/images.tar",
        "lists.tar" => "http://vision.stanford.edu/aditya86/ImageNetDogs/lists.tar",
        _ => "http://vision.stanford.edu/aditya86/ImageNetDogs/annotation.tar",
    };
    debug_assert!(url.starts_with(DOGS));
    Asset {
        url,
        file,
        size: Some(size),
        checksum: Checksum::Sha256(sha),
        archive: true,
    }
}

fn weights(file: &'static str, prefix: &'static str) -> Asset {
    let url = match file {
        "resnet18-f37072fd.pth" => "https://download.pytorch.org/models/resnet18-f37072fd.pth",
        _ => "https://download.pytorch.org/models/resnet50-0676ba61.pth",
    };
    Asset {
        url,
        file,
        size: None,
        checksum: Checksum::Sha256Prefix(prefix),
        archive: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_sets_go_to_data_and_are_used_as_data_dirs_weights_to_weights() {
        for (name, dir, flag) in [
            ("cub", "data/cub", "--data-dir"),
            ("dogs", "data/dogs", "--data-dir"),
            ("resnet18", "weights", "--weights"),
            ("resnet50", "weights", "--weights"),
        ] {
            let target: FetchTarget = name.parse().unwrap();
            assert_eq!(target.default_dir(), std::path::Path::new(dir), "{name}");
            assert_eq!(target.used_with(), flag, "{name}");
        }
    }
}
