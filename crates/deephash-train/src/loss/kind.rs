//! Which objective trains the hash head: the seed's triplet loss or a hash-centre loss.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The training objective (`--loss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LossKind {
    /// The seed's triplet ranking loss (with `--mining`); run files written before the field
    /// existed load as this.
    #[default]
    Triplet,
    /// Central Similarity Quantization: BCE to per-class Hadamard centres.
    Csq,
    /// OrthoHash: scaled cosine cross entropy with margin to orthogonal class codes.
    Orthohash,
}

impl LossKind {
    /// Every accepted spelling, for error messages and `--help`.
    pub const NAMES: [&'static str; 3] = ["triplet", "csq", "orthohash"];

    /// Whether the loss needs hash centres (one target code per class).
    pub fn uses_centres(self) -> bool {
        self != LossKind::Triplet
    }
}

impl fmt::Display for LossKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LossKind::Triplet => "triplet",
            LossKind::Csq => "csq",
            LossKind::Orthohash => "orthohash",
        })
    }
}

impl FromStr for LossKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "triplet" => Ok(LossKind::Triplet),
            "csq" => Ok(LossKind::Csq),
            "orthohash" => Ok(LossKind::Orthohash),
            _ => Err(format!(
                "unknown loss `{s}` (expected one of {})",
                LossKind::NAMES.join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in LossKind::NAMES {
            assert_eq!(name.parse::<LossKind>().unwrap().to_string(), name);
        }
        assert!("dsh".parse::<LossKind>().is_err());
        assert!(!LossKind::Triplet.uses_centres() && LossKind::Csq.uses_centres());
    }
}
