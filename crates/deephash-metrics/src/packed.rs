//! Codes repacked into whole 64-bit words, the unit the distance kernel counts.

use deephash_codes::CodeMatrix;

/// Codes of a [`CodeMatrix`] as `words` little-endian `u64` per code, the last
/// word zero-padded. Padding bits are zero in every code, so they never add to a
/// Hamming distance; the byte order inside a word does not matter either, since
/// both sides use the same one.
#[derive(Clone, Debug)]
pub(crate) struct PackedWords {
    words: usize,
    data: Vec<u64>,
}

impl PackedWords {
    /// Repacks every code of `matrix`.
    pub(crate) fn new(matrix: &CodeMatrix) -> Self {
        let bytes = matrix.bytes_per_code();
        let words = bytes.div_ceil(8);
        let mut data = Vec::with_capacity(words * matrix.len());
        for row in 0..matrix.len() {
            for chunk in matrix.code(row).chunks(8) {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                data.push(u64::from_le_bytes(word));
            }
        }
        Self { words, data }
    }

    /// Words per code.
    pub(crate) fn words(&self) -> usize {
        self.words
    }

    /// All words, code after code.
    pub(crate) fn as_slice(&self) -> &[u64] {
        &self.data
    }

    /// The words of code `row`.
    pub(crate) fn code(&self, row: usize) -> &[u64] {
        &self.data[row * self.words..(row + 1) * self.words]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_keeps_distances() {
        let a = CodeMatrix::from_packed(72, (0..18).collect()).unwrap();
        let p = PackedWords::new(&a);
        assert_eq!(p.words(), 2);
        let by_bytes: u32 = a
            .code(0)
            .iter()
            .zip(a.code(1))
            .map(|(x, y)| (x ^ y).count_ones())
            .sum();
        let by_words: u32 = p
            .code(0)
            .iter()
            .zip(p.code(1))
            .map(|(x, y)| (x ^ y).count_ones())
            .sum();
        assert_eq!(by_bytes, by_words);
        assert_eq!(p.code(1)[1] >> 8, 0, "padding bytes are zero");
    }
}
