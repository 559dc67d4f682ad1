//! The data set model shared by every loader: samples (an image source and labels), the train and
//! test splits, and class names.

use std::borrow::Cow;
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

/// Which split of a data set (with the `clap` feature, a command-line value: `train`, `test`,
/// `all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Split {
    /// The training split (the usual retrieval database).
    Train,
    /// The test split (the usual queries).
    Test,
    /// Training then test images.
    All,
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
    /// The samples of `split` (borrowed, except for [`Split::All`]: training then test).
    pub fn split(&self, split: Split) -> Cow<'_, [Sample]> {
        match split {
            Split::Train => Cow::Borrowed(&self.train),
            Split::Test => Cow::Borrowed(&self.test),
            Split::All => Cow::Owned(self.train.iter().chain(&self.test).cloned().collect()),
        }
    }

    /// Takes the samples of `split` out of the data set (training then test for
    /// [`Split::All`]), without copying them.
    pub fn into_split(self, split: Split) -> Vec<Sample> {
        match split {
            Split::Train => self.train,
            Split::Test => self.test,
            Split::All => self.train.into_iter().chain(self.test).collect(),
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
        for s in self.split(split).iter() {
            for &l in &s.labels {
                if let Some(c) = counts.get_mut(l as usize) {
                    *c += 1;
                }
            }
        }
        counts
    }
}
