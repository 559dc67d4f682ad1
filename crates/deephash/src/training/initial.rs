//! The network a run starts from: random, with pretrained backbone weights from a file, or
//! with the trained backbone of a finished run.

use std::path::Path;

use deephash_model::burn::tensor::Device;
use deephash_model::{Backbone, HashNet};
use deephash_train::RunConfig;
use deephash_train::inference::load_run_net;

use crate::{Error, Result};

/// The network with its pretrained backbone weights (when any) on `device`, seeded by the
/// run's seed.
pub fn initial_net(config: &RunConfig, device: &Device) -> Result<HashNet> {
    device.seed(config.train.seed);
    let mut net = config.model.init(device)?;
    match &config.weights {
        Some(run) if run.is_dir() => net.backbone = backbone_of_run(run, config, device)?,
        Some(file) => net.backbone = deephash_model::load_backbone_weights(net.backbone, file)?,
        None => {}
    }
    Ok(net)
}

/// The trained backbone of the finished run in `dir`, which must have the backbone
/// configuration of `config`.
fn backbone_of_run(dir: &Path, config: &RunConfig, device: &Device) -> Result<Backbone> {
    let (run_config, net) = load_run_net(dir, device).map_err(|e| {
        Error::from(e).context(format!("--weights {}: not a finished run", dir.display()))
    })?;
    let theirs = &run_config.model.backbone;
    if theirs != &config.model.backbone {
        return Err(Error::BackboneMismatch {
            weights: dir.to_path_buf(),
            theirs: format!("{theirs:?}"),
            ours: format!("{:?}", config.model.backbone),
        });
    }
    Ok(net.backbone)
}
