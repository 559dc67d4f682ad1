/// Why a textual code could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeTextError {
    /// Neither hexadecimal nor a string of 0/1 of the expected length.
    #[error(
        "code must be {hex} hex digits or {bits} characters 0/1 for {bits} bit codes, got {len} characters"
    )]
    WrongLength {
        /// Expected number of bits.
        bits: usize,
        /// Expected number of hex digits.
        hex: usize,
        /// Characters received (after removing spaces and a 0x prefix).
        len: usize,
    },
    /// A character that is not a digit of the detected notation.
    #[error("invalid character {ch:?} at position {pos} in code")]
    BadChar {
        /// The character.
        ch: char,
        /// Its position, counting from 0.
        pos: usize,
    },
}

/// Parses a code written as hexadecimal (`bits / 4` digits, optional `0x`) or as
/// bits (`bits` characters `0`/`1`), spaces and underscores ignored, into packed
/// bytes in `numpy.packbits` order. The notation is told apart by length.
pub fn parse_code(text: &str, bits: usize) -> Result<Vec<u8>, CodeTextError> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_'))
        .collect();
    let cleaned = cleaned.strip_prefix("0x").unwrap_or(&cleaned);
    let hex = bits / 4;
    match cleaned.chars().count() {
        n if n == bits => parse_bits(cleaned),
        n if n == hex => parse_hex(cleaned),
        len => Err(CodeTextError::WrongLength { bits, hex, len }),
    }
}

fn parse_bits(text: &str) -> Result<Vec<u8>, CodeTextError> {
    let mut out = vec![0u8; text.len() / 8];
    for (pos, ch) in text.chars().enumerate() {
        match ch {
            '0' => {}
            '1' => out[pos / 8] |= 0x80 >> (pos % 8),
            _ => return Err(CodeTextError::BadChar { ch, pos }),
        }
    }
    Ok(out)
}

fn parse_hex(text: &str) -> Result<Vec<u8>, CodeTextError> {
    let digits: Vec<u8> = text
        .chars()
        .enumerate()
        .map(|(pos, ch)| {
            ch.to_digit(16)
                .map(|d| d as u8)
                .ok_or(CodeTextError::BadChar { ch, pos })
        })
        .collect::<Result<_, _>>()?;
    Ok(digits.chunks_exact(2).map(|p| (p[0] << 4) | p[1]).collect())
}

/// Writes packed bytes as lowercase hexadecimal, two digits per byte.
pub fn format_hex(code: &[u8]) -> String {
    code.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_bits_round_trip() {
        let code = vec![0x81, 0x40];
        assert_eq!(parse_code(&format_hex(&code), 16).unwrap(), code);
        assert_eq!(parse_code("0x8140", 16).unwrap(), code);
        assert_eq!(parse_code("1000 0001 0100 0000", 16).unwrap(), code);
        assert_eq!(parse_code("81_4F", 16).unwrap(), vec![0x81, 0x4f]);
    }

    #[test]
    fn rejects_wrong_length_and_characters() {
        assert!(matches!(
            parse_code("abc", 16),
            Err(CodeTextError::WrongLength { len: 3, .. })
        ));
        assert_eq!(
            parse_code("81g0", 16),
            Err(CodeTextError::BadChar { ch: 'g', pos: 2 })
        );
        assert_eq!(
            parse_code("1000000101000002", 16),
            Err(CodeTextError::BadChar { ch: '2', pos: 15 })
        );
    }
}
