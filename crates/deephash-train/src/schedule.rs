//! Learning-rate schedules as pure functions of the epoch, so that a resumed run gets
//! exactly the learning rates of an uninterrupted one without any scheduler state.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Shape of the schedule after warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ScheduleKind {
    /// Constant learning rate.
    Constant,
    /// Multiply by `gamma` every `every` epochs (the seed: x0.1).
    Step {
        /// Epochs between decays.
        every: usize,
        /// Decay factor.
        gamma: f64,
    },
    /// Cosine decay from the base rate to `min_factor * base` at the last epoch.
    Cosine {
        /// Final learning rate as a fraction of the base rate.
        min_factor: f64,
    },
}

impl fmt::Display for ScheduleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleKind::Constant => f.write_str("constant"),
            ScheduleKind::Step { every, gamma } => write!(f, "step:{every}:{gamma}"),
            ScheduleKind::Cosine { min_factor } => write!(f, "cosine:{min_factor}"),
        }
    }
}

impl FromStr for ScheduleKind {
    type Err = String;

    /// `constant`, `step:EVERY[:GAMMA]` (gamma 0.1 by default), `cosine[:MIN_FACTOR]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(':');
        let name = parts.next().unwrap_or_default();
        let bad = |what: &str| format!("bad schedule `{s}`: {what}");
        let num = |p: Option<&str>, default: Option<f64>| -> Result<f64, String> {
            match (p, default) {
                (Some(v), _) => v.parse::<f64>().map_err(|_| bad("not a number")),
                (None, Some(d)) => Ok(d),
                (None, None) => Err(bad("missing number")),
            }
        };
        let kind = match name {
            "constant" => ScheduleKind::Constant,
            "step" => {
                let every = num(parts.next(), None)?;
                if every < 1.0 || every.fract() != 0.0 {
                    return Err(bad("step interval must be a positive integer"));
                }
                let gamma = num(parts.next(), Some(0.1))?;
                ScheduleKind::Step {
                    every: every as usize,
                    gamma,
                }
            }
            "cosine" => ScheduleKind::Cosine {
                min_factor: num(parts.next(), Some(0.0))?,
            },
            _ => return Err(bad("expected constant, step:N[:GAMMA] or cosine[:MIN]")),
        };
        if parts.next().is_some() {
            return Err(bad("too many fields"));
        }
        Ok(kind)
    }
}

/// A learning-rate schedule with an optional linear warm-up, over the run's epochs
/// ([`crate::LoopConfig::epochs`], the one place the length of a run is stored; run files
/// written when the schedule kept its own copy still load, the copy is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Base learning rate.
    pub base_lr: f64,
    /// Shape after warm-up.
    pub kind: ScheduleKind,
    /// Warm-up epochs: the rate rises linearly from `base/warmup` to `base`.
    pub warmup_epochs: usize,
}

impl Schedule {
    /// Learning rate for 0-based `epoch` at fraction `progress` in `[0, 1)` of the epoch, in
    /// a run of `epochs` epochs.
    ///
    /// Warm-up and cosine are evaluated per step (smooth), step decay per epoch.
    pub fn lr(&self, epoch: usize, progress: f64, epochs: usize) -> f64 {
        let t = epoch as f64 + progress.clamp(0.0, 1.0);
        if (t as usize) < self.warmup_epochs {
            return self.base_lr * (t + 1.0).min(self.warmup_epochs as f64)
                / self.warmup_epochs as f64;
        }
        match self.kind {
            ScheduleKind::Constant => self.base_lr,
            ScheduleKind::Step { every, gamma } => {
                self.base_lr * gamma.powi((epoch / every.max(1)) as i32)
            }
            ScheduleKind::Cosine { min_factor } => {
                let span = (epochs.saturating_sub(self.warmup_epochs)).max(1) as f64;
                let x = ((t - self.warmup_epochs as f64) / span).clamp(0.0, 1.0);
                let factor = min_factor + (1.0 - min_factor) * 0.5 * (1.0 + (PI * x).cos());
                self.base_lr * factor
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(kind: ScheduleKind, warmup: usize) -> Schedule {
        Schedule {
            base_lr: 0.1,
            kind,
            warmup_epochs: warmup,
        }
    }

    #[test]
    fn step_divides_by_ten_every_n_epochs() {
        let s = sched(
            ScheduleKind::Step {
                every: 3,
                gamma: 0.1,
            },
            0,
        );
        let lrs: Vec<f64> = (0..7).map(|e| s.lr(e, 0.5, 10)).collect();
        let want = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001];
        for (got, want) in lrs.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{lrs:?}");
        }
    }

    #[test]
    fn cosine_starts_at_base_and_ends_at_min() {
        let s = sched(ScheduleKind::Cosine { min_factor: 0.0 }, 0);
        assert!((s.lr(0, 0.0, 10) - 0.1).abs() < 1e-12);
        assert!((s.lr(5, 0.0, 10) - 0.05).abs() < 1e-12);
        assert!(s.lr(9, 0.999, 10) < 1e-4);
    }

    #[test]
    fn warmup_rises_linearly_then_hands_over() {
        let s = sched(ScheduleKind::Constant, 4);
        assert!((s.lr(0, 0.0, 10) - 0.025).abs() < 1e-12);
        assert!((s.lr(1, 0.0, 10) - 0.05).abs() < 1e-12);
        assert!((s.lr(3, 0.0, 10) - 0.1).abs() < 1e-12);
        assert!((s.lr(4, 0.0, 10) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn parses_the_command_line_forms() {
        assert_eq!("constant".parse(), Ok(ScheduleKind::Constant));
        assert_eq!(
            "step:30".parse(),
            Ok(ScheduleKind::Step {
                every: 30,
                gamma: 0.1
            })
        );
        assert_eq!(
            "cosine:0.01".parse(),
            Ok(ScheduleKind::Cosine { min_factor: 0.01 })
        );
        assert!("step".parse::<ScheduleKind>().is_err());
        assert!("step:0".parse::<ScheduleKind>().is_err());
        assert!("linear".parse::<ScheduleKind>().is_err());
    }
}
