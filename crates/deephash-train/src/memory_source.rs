//! An [`ImageSource`] over decoded images held in memory (the bundled Fashion-MNIST subset,
//! or any data set whose prepared images fit in memory), with the data crate's transforms
//! applied in parallel.

use deephash_data::{Crop, CropMode, Resize, RgbImage, TransformConfig};
use deephash_model::BackboneKind;
use rayon::prelude::*;

use crate::TrainError;
use crate::source::ImageSource;

/// Images prepared (resized) once, cropped/flipped/normalised per batch.
pub struct MemorySource {
    images: Vec<RgbImage>,
    labels: Vec<Vec<u32>>,
    train: TransformConfig,
    eval: TransformConfig,
    key: String,
}

/// The normalisation a backbone's weights expect.
pub fn data_normalization(kind: BackboneKind) -> deephash_data::Normalization {
    kind.normalization()
}

/// Training and evaluation transforms for `kind`. Small-image backbones: resize to the
/// input size (a no-op for 28 x 28 Fashion-MNIST), then for training a random crop after
/// 2 pixels of zero padding and a random flip. ImageNet-size backbones: the seed's resize
/// 256, random (training) or centre (evaluation) 224 crop, flip for training.
pub fn transforms_for(kind: BackboneKind) -> (TransformConfig, TransformConfig) {
    let norm = data_normalization(kind);
    if kind.input_size() < 64 {
        let size = kind.input_size() as u32;
        let resize = Resize::Exact {
            width: size,
            height: size,
        };
        let crop = Crop {
            width: size,
            height: size,
            pad: 2,
            mode: CropMode::Random,
        };
        let train = TransformConfig {
            resize,
            crop: Some(crop),
            flip: true,
            normalization: norm,
        };
        let eval = TransformConfig {
            resize,
            crop: None,
            flip: false,
            normalization: norm,
        };
        (train, eval)
    } else {
        (
            TransformConfig::train_224(norm),
            TransformConfig::eval_224(norm),
        )
    }
}

/// [`transforms_for`] with the training view augmented or not (`augment = false`: training
/// sees the evaluation view, as the small CNN's recipe does by default).
pub fn training_transforms(
    kind: BackboneKind,
    augment: bool,
) -> (TransformConfig, TransformConfig) {
    let (augmented, eval) = transforms_for(kind);
    (if augment { augmented } else { eval }, eval)
}

impl MemorySource {
    /// A source over `images` (prepared with the eval transform's resize here, in parallel)
    /// with their `labels`; `key` identifies the images for the feature cache.
    pub fn new(
        images: Vec<RgbImage>,
        labels: Vec<Vec<u32>>,
        train: TransformConfig,
        eval: TransformConfig,
        key: String,
    ) -> Result<Self, TrainError> {
        if images.len() != labels.len() {
            return Err(TrainError::Source(format!(
                "{} images but {} labels",
                images.len(),
                labels.len()
            )));
        }
        let images = images.par_iter().map(|img| eval.prepare(img)).collect();
        Ok(Self {
            images,
            labels,
            train,
            eval,
            key,
        })
    }

    /// A subset (rows `indices`) as its own source.
    pub fn subset(&self, indices: &[usize]) -> Self {
        Self {
            images: indices.iter().map(|&i| self.images[i].clone()).collect(),
            labels: indices.iter().map(|&i| self.labels[i].clone()).collect(),
            train: self.train,
            eval: self.eval,
            key: format!("{}[subset {}]", self.key, indices.len()),
        }
    }
}

impl ImageSource for MemorySource {
    fn len(&self) -> usize {
        self.images.len()
    }

    fn labels(&self) -> Vec<Vec<u32>> {
        self.labels.clone()
    }

    fn pixels(
        &self,
        indices: &[usize],
        augment: Option<u64>,
    ) -> Result<(Vec<f32>, [usize; 4]), TrainError> {
        let tf = if augment.is_some() {
            &self.train
        } else {
            &self.eval
        };
        let first = indices
            .first()
            .and_then(|&i| self.images.get(i))
            .ok_or_else(|| TrainError::Source("empty or out-of-range batch".into()))?;
        let (w, h) = tf.output_size(first.width, first.height);
        let plane = 3 * w as usize * h as usize;
        let mut out = vec![0.0f32; plane * indices.len()];
        out.par_chunks_mut(plane)
            .zip(indices.par_iter())
            .enumerate()
            .try_for_each(|(k, (slot, &i))| {
                let img = self
                    .images
                    .get(i)
                    .ok_or_else(|| TrainError::Source(format!("image {i} out of range")))?;
                let seed = augment.map_or(0, |s| {
                    s ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                });
                tf.finish_into(img, seed, slot)
                    .map_err(|e| TrainError::Source(e.to_string()))
            })?;
        Ok((out, [indices.len(), 3, h as usize, w as usize]))
    }

    fn cache_key(&self) -> String {
        self.key.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_augmentation_training_sees_the_evaluation_view() {
        let kind = BackboneKind::SmallCnn;
        let (train, eval) = training_transforms(kind, false);
        assert_eq!(train, eval);
        let (train, eval) = training_transforms(kind, true);
        assert_ne!(train, eval);
        assert!(train.flip && !eval.flip);
        assert_eq!(train.resize, eval.resize, "the cached part stays shared");
    }
}
