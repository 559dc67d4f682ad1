use crate::CodesError;

/// The shortest supported code, in bits.
pub const MIN_BITS: usize = 8;
/// The longest supported code, in bits.
pub const MAX_BITS: usize = 1024;

/// A dense matrix of packed binary codes: `len` rows of `bits / 8` bytes each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeMatrix {
    bits: usize,
    data: Vec<u8>,
}

impl CodeMatrix {
    /// Checks that `bits` is a supported code length.
    pub fn validate_bits(bits: usize) -> Result<(), CodesError> {
        if bits.is_multiple_of(8) && (MIN_BITS..=MAX_BITS).contains(&bits) {
            Ok(())
        } else {
            Err(CodesError::InvalidBits { bits })
        }
    }

    /// Wraps packed bytes (row-major, `bits / 8` bytes per code).
    pub fn from_packed(bits: usize, data: Vec<u8>) -> Result<Self, CodesError> {
        Self::validate_bits(bits)?;
        let bytes_per_code = bits / 8;
        if !data.len().is_multiple_of(bytes_per_code) {
            return Err(CodesError::RaggedBuffer {
                len: data.len(),
                bytes_per_code,
            });
        }
        Ok(Self { bits, data })
    }

    /// Binarises float embeddings (row-major, `dim` columns) by sign:
    /// a value `x > 0` gives bit 1, anything else (0 and negatives) gives bit 0.
    /// `dim` becomes the code length; NaN or infinite values are rejected.
    pub fn from_signs(embeddings: &[f32], dim: usize) -> Result<Self, CodesError> {
        Self::validate_bits(dim)?;
        if !embeddings.len().is_multiple_of(dim) {
            return Err(CodesError::RaggedBuffer {
                len: embeddings.len(),
                bytes_per_code: dim,
            });
        }
        let mut data = vec![0u8; embeddings.len() / 8];
        for (i, &value) in embeddings.iter().enumerate() {
            if !value.is_finite() {
                return Err(CodesError::NonFinite {
                    row: i / dim,
                    col: i % dim,
                    value,
                });
            }
            if value > 0.0 {
                data[i / 8] |= 0x80 >> (i % 8);
            }
        }
        Ok(Self { bits: dim, data })
    }

    /// Code length in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Bytes per code (`bits / 8`).
    pub fn bytes_per_code(&self) -> usize {
        self.bits / 8
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.data.len() / self.bytes_per_code()
    }

    /// True when the matrix holds no code.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The packed bytes of code `row`.
    pub fn code(&self, row: usize) -> &[u8] {
        let w = self.bytes_per_code();
        &self.data[row * w..(row + 1) * w]
    }

    /// Bit `bit` of code `row` (numpy.packbits order).
    pub fn bit(&self, row: usize, bit: usize) -> bool {
        self.code(row)[bit / 8] & (0x80 >> (bit % 8)) != 0
    }

    /// All packed bytes, row-major.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Consumes the matrix and returns its packed bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_packing_matches_numpy_packbits_order() {
        // numpy.packbits([1,0,0,0,0,0,0,1, 0,1,0,0,0,0,0,0]) == [0x81, 0x40]
        let mut emb = vec![-1.0f32; 16];
        emb[0] = 0.5;
        emb[7] = 2.0;
        emb[9] = 1e-6;
        let m = CodeMatrix::from_signs(&emb, 16).unwrap();
        assert_eq!(m.as_bytes(), &[0x81, 0x40]);
        assert!(m.bit(0, 9) && !m.bit(0, 8));
    }

    #[test]
    fn zero_maps_to_bit_zero_and_nan_is_rejected() {
        let m = CodeMatrix::from_signs(&[0.0; 8], 8).unwrap();
        assert_eq!(m.as_bytes(), &[0]);
        let mut emb = vec![1.0f32; 16];
        emb[11] = f32::NAN;
        let err = CodeMatrix::from_signs(&emb, 8).unwrap_err();
        assert!(
            matches!(err, CodesError::NonFinite { row: 1, col: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn rejects_unsupported_lengths() {
        for bits in [0, 4, 12, 1032] {
            assert!(CodeMatrix::from_packed(bits, vec![]).is_err(), "{bits}");
        }
        assert!(CodeMatrix::from_packed(16, vec![1, 2, 3]).is_err());
    }
}
