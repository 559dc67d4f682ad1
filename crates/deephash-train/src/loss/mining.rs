//! Which triplets of a batch the loss averages over.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Triplet selection strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mining {
    /// The seed's loss: every valid triplet (anchor, positive, negative) in the batch,
    /// zero-loss ones included in the mean.
    #[default]
    All,
    /// Per anchor, the farthest positive and the closest negative (Hermans et al. 2017);
    /// mean over anchors that have both.
    BatchHard,
    /// Per (anchor, positive) pair, the closest negative farther than the positive
    /// (FaceNet); when there is none, the farthest negative. Mean over positive pairs.
    SemiHard,
}

impl Mining {
    /// Every accepted spelling, for error messages and `--help`.
    pub const NAMES: [&'static str; 3] = ["all", "batch-hard", "semi-hard"];
}

impl fmt::Display for Mining {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Mining::All => "all",
            Mining::BatchHard => "batch-hard",
            Mining::SemiHard => "semi-hard",
        };
        f.write_str(name)
    }
}

impl FromStr for Mining {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(Mining::All),
            "batch-hard" => Ok(Mining::BatchHard),
            "semi-hard" => Ok(Mining::SemiHard),
            _ => Err(format!(
                "unknown mining `{s}` (expected one of {})",
                Mining::NAMES.join(", ")
            )),
        }
    }
}
