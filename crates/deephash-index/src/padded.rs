//! Codes re-laid out for the kernels: each code padded with zero bytes to a
//! multiple of 8 bytes (zero padding leaves Hamming distances unchanged).

use deephash_codes::CodeMatrix;

use crate::IndexError;

/// Codes stored with a stride that is a multiple of 8 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaddedCodes {
    bits: usize,
    stride: usize,
    len: usize,
    data: Vec<u8>,
}

/// Bytes per padded code for codes of `bits` bits.
pub fn stride_for(bits: usize) -> usize {
    (bits / 8).div_ceil(8) * 8
}

impl PaddedCodes {
    /// Copies `codes` into padded rows (no copy of the layout when already a multiple of 8).
    pub fn new(codes: &CodeMatrix) -> Result<Self, IndexError> {
        if codes.len() > u32::MAX as usize {
            return Err(IndexError::TooLarge { n: codes.len() });
        }
        let (bits, width, stride) = (
            codes.bits(),
            codes.bytes_per_code(),
            stride_for(codes.bits()),
        );
        let data = if width == stride {
            codes.as_bytes().to_vec()
        } else {
            let mut data = vec![0u8; codes.len() * stride];
            for (dst, src) in data
                .chunks_exact_mut(stride)
                .zip(codes.as_bytes().chunks_exact(width))
            {
                dst[..width].copy_from_slice(src);
            }
            data
        };
        Ok(Self {
            bits,
            stride,
            len: codes.len(),
            data,
        })
    }

    /// Code length in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Bytes per padded row.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there is no code.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All padded rows, row-major.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Padded row `i`.
    pub fn row(&self, i: usize) -> &[u8] {
        &self.data[i * self.stride..(i + 1) * self.stride]
    }

    /// Back to an unpadded [`CodeMatrix`].
    pub fn to_code_matrix(&self) -> CodeMatrix {
        let width = self.bits / 8;
        let bytes = self
            .data
            .chunks_exact(self.stride)
            .flat_map(|row| &row[..width])
            .copied()
            .collect();
        CodeMatrix::from_packed(self.bits, bytes).expect("valid padded codes")
    }
}
