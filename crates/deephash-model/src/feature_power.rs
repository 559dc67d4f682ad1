//! Signed power normalisation of pooled backbone features: `sign(x) |x|^p` per value.
//!
//! Pooled features of a frozen ImageNet backbone are bursty: a few dimensions carry large
//! values for some images. A power `p < 1` (the square root, `p = 0.5`, by default in frozen
//! mode) compresses them before the features are standardised, and a linear head trained on
//! a few images a class generalises better (power normalisation of Perronnin et al., ECCV
//! 2010, and Tukey's transform in few-shot learning, Yang et al., ICLR 2021; measured for
//! deephash in docs/training.md). `p = 1` is the identity.
//!
//! The transform lives in the hash head ([`crate::HashHead::with_input_power`]) so that every
//! inference path applies it; training in frozen mode applies [`signed_power`] to the cached
//! feature table once instead.

use burn::tensor::Tensor;

use crate::ModelError;

/// The power that leaves features as they are.
pub const IDENTITY_POWER: f32 = 1.0;

/// `sign(x) |x|^power` (0 stays 0; `power = 1` returns `x` unchanged).
pub fn signed_power(x: f32, power: f32) -> f32 {
    if power == IDENTITY_POWER || x == 0.0 {
        x
    } else {
        x.signum() * x.abs().powf(power)
    }
}

/// [`signed_power`] of every value of `features`.
pub fn signed_power_tensor(features: Tensor<2>, power: f32) -> Tensor<2> {
    if power == IDENTITY_POWER {
        return features;
    }
    features.clone().sign() * features.abs().powf_scalar(power)
}

/// Errors unless `power` is finite and positive.
pub fn check_power(power: f32) -> Result<(), ModelError> {
    if power.is_finite() && power > 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidConfig(format!(
            "the feature power must be a positive number (got {power}); 1 leaves features as they are"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu_device;
    use burn::tensor::TensorData;

    #[test]
    fn the_square_root_keeps_the_sign_and_zero() {
        assert_eq!(signed_power(4.0, 0.5), 2.0);
        assert_eq!(signed_power(-9.0, 0.5), -3.0);
        assert_eq!(signed_power(0.0, 0.5), 0.0);
        assert_eq!(signed_power(-2.5, 1.0), -2.5);
        assert!(signed_power(f32::NAN, 0.5).is_nan());
    }

    #[test]
    fn the_tensor_form_equals_the_scalar_form() {
        let values: Vec<f32> = (0..12).map(|k| (k as f32 - 5.5) * 0.73).collect();
        let device = cpu_device();
        let x = Tensor::<2>::from_data(TensorData::new(values.clone(), [3, 4]), &device);
        for power in [0.25, 0.5, 1.0, 2.0] {
            let got = signed_power_tensor(x.clone(), power)
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            for (g, v) in got.iter().zip(&values) {
                let want = signed_power(*v, power);
                assert!(
                    (g - want).abs() <= 1e-6 * want.abs().max(1.0),
                    "{g} vs {want}"
                );
            }
        }
    }

    #[test]
    fn only_positive_finite_powers_are_accepted() {
        assert!(check_power(0.5).is_ok());
        assert!(check_power(2.0).is_ok());
        for bad in [0.0, -0.5, f32::NAN, f32::INFINITY] {
            assert!(check_power(bad).is_err(), "{bad}");
        }
    }
}
