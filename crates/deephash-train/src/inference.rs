//! A trained run loaded for inference: the API that `encode`, `query`, `eval --run` and
//! `serve` use.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use deephash_model::{BackboneKind, HashNet, InferenceNet, Normalization};

use crate::TrainError;
use crate::checkpoint::load_module;
use crate::embeddings::Embeddings;
use crate::run_config::RunConfig;
use crate::run_dir::RunDir;
use crate::source::ImageSource;

/// The final network of a run, in eval mode, with its configuration.
///
/// Codes come from the network's inference form ([`HashNet::inference`]), built once at load:
/// the batch norms are folded into the convolutions once, not on every batch. Only that form
/// is kept: the module it was built from is dropped at load, so a loaded model holds its
/// weights once (for ResNet-18 about 45 MiB less than both).
#[derive(Debug, Clone)]
pub struct TrainedModel {
    config: RunConfig,
    inference: InferenceNet,
    device: Device,
}

/// The final network of the finished run in `run_dir` (`RUN/model.bpk`, as a module, e.g. to
/// start another run from its backbone) with the run's configuration, on `device`.
pub fn load_run_net(run_dir: &Path, device: &Device) -> Result<(RunConfig, HashNet), TrainError> {
    let run = RunDir::open(run_dir)?;
    let config = run.config()?;
    let path = run.model_path();
    if !path.is_file() {
        return Err(TrainError::Format {
            path,
            message: "missing: the run has not finished training".into(),
        });
    }
    let net = config.model.init(device)?;
    let net = load_module(net, &path)?;
    Ok((config, net))
}

impl TrainedModel {
    /// Loads `RUN/model.bpk` with `RUN/config.toml` onto `device` (a plain, non-autodiff
    /// device such as `DeviceSpec::device()`).
    pub fn load(run_dir: &Path, device: &Device) -> Result<Self, TrainError> {
        let (config, net) = load_run_net(run_dir, device)?;
        Ok(Self {
            config,
            inference: net.inference(),
            device: device.clone(),
        })
    }

    /// The run's configuration.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// Code length.
    pub fn bits(&self) -> usize {
        self.config.bits()
    }

    /// The backbone (decides input size and normalisation).
    pub fn backbone(&self) -> BackboneKind {
        self.config.backbone()
    }

    /// How pixels must be normalised for this network.
    pub fn normalization(&self) -> Normalization {
        self.config.backbone().normalization()
    }

    /// Side of the square network input (after the centre crop).
    pub fn input_size(&self) -> usize {
        self.config.backbone().input_size()
    }

    /// Side the images are resized to before the centre crop.
    pub fn resize_size(&self) -> usize {
        self.config.backbone().resize_size()
    }

    /// The device the network lives on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Relaxed codes (`n x bits`, row-major) of normalised pixels `[n, 3, h, w]`.
    pub fn embed_pixels(
        &self,
        pixels: Vec<f32>,
        shape: [usize; 4],
    ) -> Result<Vec<f32>, TrainError> {
        if pixels.len() != shape.iter().product::<usize>() {
            return Err(TrainError::Config(format!(
                "{} pixel values do not fill a {shape:?} batch",
                pixels.len()
            )));
        }
        let x = Tensor::<4>::from_data(TensorData::new(pixels, shape), &self.device);
        self.inference
            .forward(x)
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| TrainError::Config(format!("reading codes: {e:?}")))
    }

    /// Relaxed codes of the images `rows` of `source` (evaluation transform), in batches.
    pub fn embed_source(
        &self,
        source: &dyn ImageSource,
        rows: &[usize],
        batch: usize,
    ) -> Result<Embeddings, TrainError> {
        let labels = source.labels();
        crate::finetune::inference_embeddings(
            &self.inference,
            source,
            rows,
            &labels,
            batch,
            &self.device,
        )
    }
}
