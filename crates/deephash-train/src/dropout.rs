//! Dropout on cached features: the frozen head's input regularised without a network layer
//! (the head stays `Linear -> tanh`, so the saved model is unchanged by it).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Inverted dropout in place: every value is zeroed with probability `p` and the others are
/// scaled by `1 / (1 - p)`, so the expected input is unchanged and nothing is rescaled at
/// inference. `p = 0` leaves `values` as they are and draws nothing from `rng`.
pub fn drop_features(values: &mut [f32], p: f32, rng: &mut ChaCha8Rng) {
    if p <= 0.0 {
        return;
    }
    let keep = 1.0 / (1.0 - p);
    for v in values.iter_mut() {
        *v = if rng.random::<f32>() < p {
            0.0
        } else {
            *v * keep
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn zeroes_about_p_of_the_values_and_scales_the_rest() {
        let mut values = vec![2.0_f32; 20_000];
        drop_features(&mut values, 0.2, &mut ChaCha8Rng::seed_from_u64(3));
        let zeros = values.iter().filter(|&&v| v == 0.0).count() as f64 / values.len() as f64;
        assert!((zeros - 0.2).abs() < 0.01, "{zeros}");
        assert!(values.iter().all(|&v| v == 0.0 || (v - 2.5).abs() < 1e-6));
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
        assert!((mean - 2.0).abs() < 0.05, "expected input kept: {mean}");
    }

    #[test]
    fn no_dropout_changes_nothing() {
        let mut values = vec![1.5_f32, -3.0];
        drop_features(&mut values, 0.0, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(values, [1.5, -3.0]);
    }
}
