//! Where training images come from: a small trait the caller implements over the data
//! crate's data sets, loaders and transforms (so this crate does not fix the pipeline).

use crate::TrainError;

/// A labelled set of images that can be turned into normalised network inputs.
pub trait ImageSource: Send + Sync {
    /// Number of images.
    fn len(&self) -> usize;

    /// True when there is no image.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Label set of every image (one label for single-label data).
    fn labels(&self) -> Vec<Vec<u32>>;

    /// Normalised pixels `[n, 3, h, w]` (row-major) of the images `indices`: the
    /// evaluation transform when `augment` is `None`, the training augmentation drawn
    /// from the seed otherwise (the same seed gives the same augmentation).
    fn pixels(
        &self,
        indices: &[usize],
        augment: Option<u64>,
    ) -> Result<(Vec<f32>, [usize; 4]), TrainError>;

    /// Identifies the images and their preprocessing, for the feature cache key (changes
    /// whenever the pixels could change).
    fn cache_key(&self) -> String;
}
