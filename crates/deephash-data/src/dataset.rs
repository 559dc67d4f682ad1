//! The data set model shared by every loader: samples (an image source and labels), the train and
//! test splits, and class names.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::decode::decode_file;
use crate::error::Result;
use crate::rgb::RgbImage;

/// Where a sample's pixels come from.
#[derive(Debug, Clone)]
pub enum ImageSource {
    /// An image file (JPEG or PNG) decoded on demand.
    File(PathBuf),
    /// Pixels already in memory (e.g. Fashion-MNIST from its IDX files).
    Memory(Arc<RgbImage>),
}

/// One image of a data set with its labels.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The pixels.
    pub source: ImageSource,
    /// Class indices (0-based); more than one for multi-label data.
    pub labels: Vec<u32>,
    /// A stable, human-readable name: the path relative to the data set root, or `split/index`.
    pub name: String,
}

impl Sample {
    /// The sample's RGB pixels: decoded from its file (refusing images over `max_pixels`) or
    /// copied from memory.
    pub fn load(&self, max_pixels: u64) -> Result<RgbImage> {
        match &self.source {
            ImageSource::File(path) => decode_file(path, max_pixels),
            ImageSource::Memory(img) => Ok(img.as_ref().clone()),
        }
    }

    /// The file path, when the sample is a file.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            ImageSource::File(p) => Some(p),
            ImageSource::Memory(_) => None,
        }
    }
}

/// Which split of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// Training images (also the retrieval database in the seed's protocol).
    Train,
    /// Test images (the queries).
    Test,
}

/// A loaded data set: its samples in a fixed order and its class names.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Short name (`cub`, `dogs`, `folder`, `list`, `fashion-mnist`).
    pub name: String,
    /// The folder it was loaded from.
    pub root: PathBuf,
    /// Class names; label `i` is `class_names[i]`.
    pub class_names: Vec<String>,
    /// Training samples.
    pub train: Vec<Sample>,
    /// Test samples.
    pub test: Vec<Sample>,
}

impl Dataset {
    /// The samples of `split`.
    pub fn split(&self, split: Split) -> &[Sample] {
        match split {
            Split::Train => &self.train,
            Split::Test => &self.test,
        }
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// The labels of every sample of `split`, in order.
    pub fn labels(&self, split: Split) -> Vec<Vec<u32>> {
        self.split(split).iter().map(|s| s.labels.clone()).collect()
    }

    /// Number of samples of each class in `split` (a multi-label sample counts for each label).
    pub fn class_counts(&self, split: Split) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes()];
        for s in self.split(split) {
            for &l in &s.labels {
                if let Some(c) = counts.get_mut(l as usize) {
                    *c += 1;
                }
            }
        }
        counts
    }
}
