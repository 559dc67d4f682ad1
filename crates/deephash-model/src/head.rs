//! Hash heads: map a pooled feature `[N, D]` to `bits` relaxed code values in `(-1, 1)`;
//! `sign()` of the output gives the binary code.

use std::fmt;
use std::str::FromStr;

use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::{sigmoid, tanh};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::ModelError;
use crate::feature_power::{IDENTITY_POWER, check_power, signed_power_tensor};

/// Which head, as typed on the command line (`--head linear|dae`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HeadKind {
    /// The seed's head: `tanh(Linear(D, bits))`.
    #[default]
    Linear,
    /// Divide-and-encode (Lai et al. 2015): the feature cut into `bits` slices, each slice
    /// mapped by its own linear unit and a sigmoid.
    Dae,
}

impl FromStr for HeadKind {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "linear" | "tanh" => Ok(Self::Linear),
            "dae" | "divide-and-encode" => Ok(Self::Dae),
            _ => Err(ModelError::UnknownHead(text.to_string())),
        }
    }
}

impl fmt::Display for HeadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Linear => "linear",
            Self::Dae => "dae",
        })
    }
}

impl HeadKind {
    /// Builds a head from `feature_dim` to `bits` with PyTorch-like random initialisation.
    pub fn init(
        &self,
        feature_dim: usize,
        bits: usize,
        device: &Device,
    ) -> Result<HashHead, ModelError> {
        if bits == 0 || feature_dim == 0 {
            return Err(ModelError::InvalidConfig(format!(
                "a hash head needs bits >= 1 and a feature (got bits {bits}, feature {feature_dim})"
            )));
        }
        match self {
            Self::Linear => Ok(HashHead::Linear(LinearHead {
                linear: LinearConfig::new(feature_dim, bits).init(device),
                input_power: IDENTITY_POWER,
            })),
            Self::Dae => DaeHead::new(feature_dim, bits, device).map(HashHead::Dae),
        }
    }
}

/// A hash head.
#[derive(Module, Debug)]
pub enum HashHead {
    /// `tanh(Linear(D, bits))`.
    Linear(LinearHead),
    /// Divide-and-encode.
    Dae(DaeHead),
}

impl HashHead {
    /// Relaxed codes in `(-1, 1)`: `[N, D] -> [N, bits]` (the features first raised to the
    /// head's input power, see [`HashHead::with_input_power`]).
    pub fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        let features = signed_power_tensor(features, self.input_power());
        match self {
            Self::Linear(head) => head.forward(features),
            Self::Dae(head) => head.forward(features),
        }
    }

    /// The same head, with every input value `x` first mapped to `sign(x) |x|^power`
    /// ([`crate::feature_power`]; 1: none). Not part of the saved weights: the run's
    /// [`crate::HashNetConfig::feature_power`] sets it again when the network is loaded.
    ///
    /// Errors unless `power` is finite and positive.
    pub fn with_input_power(mut self, power: f32) -> Result<Self, ModelError> {
        check_power(power)?;
        match &mut self {
            Self::Linear(head) => head.input_power = power,
            Self::Dae(head) => head.input_power = power,
        }
        Ok(self)
    }

    /// The power applied to the head's input (1: none).
    pub fn input_power(&self) -> f32 {
        match self {
            Self::Linear(head) => head.input_power,
            Self::Dae(head) => head.input_power,
        }
    }

    /// The same head applied to `x * scale + shift` (per input dimension) instead of `x`
    /// (`x` after the head's input power, when it has one), folded exactly into its linear
    /// layer: `W' = diag(scale) W`, `b' = b + shift W` (with divide-and-encode's mask applied
    /// to `W` first). Training on standardised features
    /// and folding the standardisation in gives a head that takes raw features, so every
    /// inference path (`HashNet::forward`) applies it without knowing about it.
    ///
    /// Errors when `scale` or `shift` do not have one value per input dimension.
    pub fn fold_input_affine(self, scale: &[f32], shift: &[f32]) -> Result<Self, ModelError> {
        match self {
            Self::Linear(head) => Ok(Self::Linear(LinearHead {
                linear: fold_affine(head.linear, None, scale, shift)?,
                input_power: head.input_power,
            })),
            Self::Dae(head) => {
                let [dim, _] = head.linear.weight.dims();
                let mask = head.mask(dim, &head.linear.weight.device());
                Ok(Self::Dae(DaeHead {
                    linear: fold_affine(head.linear, Some(mask), scale, shift)?,
                    bits: head.bits,
                    input_power: head.input_power,
                }))
            }
        }
    }
}

/// `linear` applied to `x * scale + shift`, with its weight seen through `mask` when given.
fn fold_affine(
    linear: Linear,
    mask: Option<Tensor<2>>,
    scale: &[f32],
    shift: &[f32],
) -> Result<Linear, ModelError> {
    let [dim, bits] = linear.weight.dims();
    if scale.len() != dim || shift.len() != dim {
        return Err(ModelError::InvalidConfig(format!(
            "an input transform of {} scales and {} shifts for a head on {dim} features",
            scale.len(),
            shift.len()
        )));
    }
    let device = linear.weight.device();
    let column = |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [dim, 1]), &device);
    let row = Tensor::<2>::from_data(TensorData::new(shift.to_vec(), [1, dim]), &device);
    let effective = match mask {
        Some(m) => linear.weight.val() * m,
        None => linear.weight.val(),
    };
    let offset = row.matmul(effective).reshape([bits]);
    let scale = column(scale);
    let weight = linear.weight.map(|w| w * scale);
    let bias = match linear.bias {
        Some(b) => b.map(|b| b + offset),
        None => burn::module::Param::from_tensor(offset),
    };
    Ok(Linear {
        weight,
        bias: Some(bias),
    })
}

/// The seed's head.
#[derive(Module, Debug)]
pub struct LinearHead {
    linear: Linear,
    /// See [`HashHead::with_input_power`] (a constant: not in the saved record).
    input_power: f32,
}

impl LinearHead {
    fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        tanh(self.linear.forward(features))
    }
}

/// Divide-and-encode: feature `i` belongs to slice `floor(i · bits / D)`; unit `j` sees only
/// slice `j` (the weight is masked block-diagonally, so gradients outside it are zero).
///
/// Output: `2 · sigmoid(z) - 1` (equal to `tanh(z / 2)`), so that bit `j` is 1 exactly when the
/// paper's sigmoid output exceeds 0.5, `sign()` gives the code like for the linear head, and the
/// same losses apply to both heads.
#[derive(Module, Debug)]
pub struct DaeHead {
    linear: Linear,
    bits: usize,
    /// See [`HashHead::with_input_power`] (a constant: not in the saved record).
    input_power: f32,
}

impl DaeHead {
    fn new(feature_dim: usize, bits: usize, device: &Device) -> Result<Self, ModelError> {
        if bits > feature_dim {
            return Err(ModelError::InvalidConfig(format!(
                "divide-and-encode needs at least one feature per bit (feature {feature_dim} < bits {bits})"
            )));
        }
        // PyTorch's default bound 1/sqrt(fan_in), with fan_in the slice length.
        let bound = (bits as f64 / feature_dim as f64).sqrt();
        let linear = LinearConfig::new(feature_dim, bits)
            .with_initializer(Initializer::Uniform {
                min: -bound,
                max: bound,
            })
            .init(device);
        Ok(Self {
            linear,
            bits,
            input_power: IDENTITY_POWER,
        })
    }

    /// The block-diagonal mask `[D, bits]` of the slices.
    fn mask(&self, feature_dim: usize, device: &Device) -> Tensor<2> {
        let bits = self.bits;
        let values: Vec<f32> = (0..feature_dim * bits)
            .map(|k| ((k / bits) * bits / feature_dim == k % bits) as u8 as f32)
            .collect();
        Tensor::from_data(TensorData::new(values, [feature_dim, bits]), device)
    }

    fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        let [_, dim] = features.dims();
        let weight = self.linear.weight.val() * self.mask(dim, &features.device());
        let mut z = features.matmul(weight);
        if let Some(bias) = &self.linear.bias {
            z = z + bias.val().unsqueeze::<2>();
        }
        sigmoid(z).mul_scalar(2.0).sub_scalar(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu_device;

    #[test]
    fn dae_unit_depends_only_on_its_slice() {
        let device = cpu_device();
        let head = HeadKind::Dae.init(8, 4, &device).unwrap();
        let base = Tensor::<2>::zeros([1, 8], &device);
        let out0 = head
            .forward(base.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        // Perturb feature 5, which belongs to slice floor(5 * 4 / 8) = 2.
        let mut bumped = vec![0.0f32; 8];
        bumped[5] = 3.0;
        let x = Tensor::<2>::from_data(TensorData::new(bumped, [1, 8]), &device);
        let out1 = head.forward(x).into_data().try_to_vec::<f32>().unwrap();
        for j in 0..4 {
            let changed = (out0[j] - out1[j]).abs() > 1e-6;
            assert_eq!(changed, j == 2, "unit {j}: {} vs {}", out0[j], out1[j]);
            assert!(out1[j] > -1.0 && out1[j] < 1.0);
        }
    }

    #[test]
    fn a_folded_input_transform_equals_transforming_the_input() {
        let device = cpu_device();
        let values: Vec<f32> = (0..3 * 8)
            .map(|k| ((k * 7 % 11) as f32 - 5.0) / 3.0)
            .collect();
        let x = Tensor::<2>::from_data(TensorData::new(values.clone(), [3, 8]), &device);
        let scale: Vec<f32> = (0..8).map(|j| 0.5 + j as f32 / 4.0).collect();
        let shift: Vec<f32> = (0..8).map(|j| j as f32 / 5.0 - 0.7).collect();
        let moved: Vec<f32> = values
            .iter()
            .enumerate()
            .map(|(k, v)| v * scale[k % 8] + shift[k % 8])
            .collect();
        let moved = Tensor::<2>::from_data(TensorData::new(moved, [3, 8]), &device);
        for kind in [HeadKind::Linear, HeadKind::Dae] {
            let head = kind.init(8, 4, &device).unwrap();
            let want = head
                .forward(moved.clone())
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            let folded = head.fold_input_affine(&scale, &shift).unwrap();
            let got = folded
                .forward(x.clone())
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "{kind}: {got:?} vs {want:?}");
            }
            assert!(folded.fold_input_affine(&scale[..4], &shift).is_err());
        }
    }

    #[test]
    fn heads_reject_impossible_shapes() {
        let device = cpu_device();
        assert!(HeadKind::Linear.init(16, 0, &device).is_err());
        assert!(HeadKind::Dae.init(8, 16, &device).is_err());
        assert_eq!("DAE".parse::<HeadKind>().unwrap(), HeadKind::Dae);
        assert!("mlp".parse::<HeadKind>().is_err());
    }
}
