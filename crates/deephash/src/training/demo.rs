//! The demo's recipe (what `deephash demo` trains): the small CNN on the bundled
//! Fashion-MNIST subset, the longest code length end to end for a few epochs, every shorter
//! one as a hash head on that run's frozen backbone (seconds instead of minutes each).

use std::path::Path;

use deephash_model::DeviceSpec;
use deephash_train::TrainMode;

use super::TrainSettings;

/// Epochs of the demo's end-to-end run: fewer than the small CNN's full recipe, so that the
/// demo stays within about five minutes on 2 CPU cores.
pub const DEMO_EPOCHS: usize = 8;

/// The settings of the demo run of `bits`: end to end for `epochs` epochs (validated once, at
/// the end: with the cosine schedule the last epoch is the one selected anyway, and each
/// validation costs an encoding of the split), or, with `frozen_on`, a head on the frozen
/// backbone of that finished run.
pub fn demo_settings(
    bits: usize,
    frozen_on: Option<&Path>,
    epochs: usize,
    device: DeviceSpec,
    max_per_class: Option<usize>,
) -> TrainSettings {
    let base = TrainSettings {
        bits,
        device,
        max_per_class,
        ..TrainSettings::default()
    };
    match frozen_on {
        Some(run) => TrainSettings {
            mode: Some(TrainMode::Frozen),
            weights: Some(run.to_path_buf()),
            ..base
        },
        None => TrainSettings {
            epochs: Some(epochs),
            validate_every: Some(epochs),
            ..base
        },
    }
}

/// The report's description of the demo's model.
pub fn demo_model_fact(longest: usize, epochs: usize) -> String {
    format!(
        "small CNN trained from scratch at {longest} bits ({epochs} epochs), linear hash head, \
         tanh, triplet loss; shorter codes: a head trained on its frozen backbone"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_trains_end_to_end_the_others_on_its_frozen_backbone() {
        let cpu = DeviceSpec::Cpu;
        let base = demo_settings(64, None, 8, cpu, None).run_config().unwrap();
        assert_eq!(base.train.mode, TrainMode::Finetune);
        assert_eq!((base.train.epochs, base.train.validate_every), (8, 8));
        let short = demo_settings(16, Some(Path::new("runs/fm64")), 8, cpu, Some(5));
        let short = short.run_config().unwrap();
        assert_eq!(short.train.mode, TrainMode::Frozen);
        assert_eq!(short.weights.as_deref(), Some(Path::new("runs/fm64")));
        assert_eq!((short.bits(), short.data.max_per_class), (16, Some(5)));
    }
}
