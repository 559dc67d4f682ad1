//! The mutation engine: a small deterministic random generator and the
//! structure-aware byte and text mutations.

/// A xorshift64* generator: fast, deterministic from its seed, good enough to
/// choose mutations.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed` (any value; zero is mapped to a constant).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Integers that break size arithmetic: zero, one, sign edges, powers of two.
const INTERESTING: [u64; 14] = [
    0,
    1,
    2,
    0x7F,
    0x80,
    0xFF,
    0x7FFF,
    0xFFFF,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0x1_0000_0000,
    0x7FFF_FFFF_FFFF_FFFF,
    u64::MAX,
];

/// Text fragments that break line- and field-based formats.
const TOKENS: [&str; 20] = [
    "\n",
    "\r\n",
    "\0",
    " ",
    "\t",
    ",",
    ",,",
    "#",
    "=",
    "\"",
    "[",
    "]",
    "{",
    "-1",
    "4294967296",
    "18446744073709551616",
    "1e308",
    "NaN",
    "é",
    "\u{1F600}",
];

/// Mutates valid inputs into likely-invalid ones, from a deterministic [`Rng`].
#[derive(Clone, Debug)]
pub struct Mutator {
    rng: Rng,
}

impl Mutator {
    /// A mutator whose choices follow `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed),
        }
    }

    /// The generator (for targets that choose parameters too).
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// A mutant of one of `seeds` (1 to 4 mutations; `text` adds text tokens).
    pub fn mutant(&mut self, seeds: &[Vec<u8>], text: bool) -> Vec<u8> {
        let mut data = seeds[self.rng.below(seeds.len())].clone();
        let rounds = 1 + self.rng.below(4);
        for _ in 0..rounds {
            self.mutate(&mut data, seeds, text);
        }
        data
    }

    fn mutate(&mut self, data: &mut Vec<u8>, seeds: &[Vec<u8>], text: bool) {
        let choices = if text { 9 } else { 8 };
        match self.rng.below(choices) {
            0 => self.flip_bit(data),
            1 => self.set_byte(data),
            2 => self.write_integer(data),
            3 => self.truncate(data),
            4 => self.insert_random(data),
            5 => self.remove_chunk(data),
            6 => self.duplicate_chunk(data),
            7 => self.splice(data, seeds),
            _ => self.insert_token(data),
        }
    }

    fn position(&mut self, data: &[u8]) -> usize {
        self.rng.below(data.len() + 1)
    }

    fn flip_bit(&mut self, data: &mut [u8]) {
        if !data.is_empty() {
            let i = self.rng.below(data.len());
            data[i] ^= 1 << self.rng.below(8);
        }
    }

    fn set_byte(&mut self, data: &mut [u8]) {
        if !data.is_empty() {
            let i = self.rng.below(data.len());
            data[i] = INTERESTING[self.rng.below(INTERESTING.len())] as u8;
        }
    }

    /// Overwrites 2, 4 or 8 bytes with an interesting value, either byte order:
    /// this is what hits length, size and offset fields.
    fn write_integer(&mut self, data: &mut [u8]) {
        let width = [2usize, 4, 8][self.rng.below(3)];
        if data.len() < width {
            return;
        }
        let at = self.rng.below(data.len() - width + 1);
        let mut value = INTERESTING[self.rng.below(INTERESTING.len())];
        if self.rng.below(4) == 0 {
            value = value
                .wrapping_add(self.rng.below(16) as u64)
                .wrapping_sub(8);
        }
        let bytes = if self.rng.below(2) == 0 {
            value.to_le_bytes()
        } else {
            value.to_be_bytes()
        };
        let slice = if self.rng.below(2) == 0 || width == 8 {
            &bytes[..width]
        } else {
            &bytes[8 - width..]
        };
        data[at..at + width].copy_from_slice(slice);
    }

    fn truncate(&mut self, data: &mut Vec<u8>) {
        let at = self.position(data);
        data.truncate(at);
    }

    fn insert_random(&mut self, data: &mut Vec<u8>) {
        let at = self.position(data);
        let n = 1 + self.rng.below(16);
        let bytes: Vec<u8> = (0..n).map(|_| self.rng.next_u64() as u8).collect();
        data.splice(at..at, bytes);
    }

    fn remove_chunk(&mut self, data: &mut Vec<u8>) {
        if data.is_empty() {
            return;
        }
        let at = self.rng.below(data.len());
        let n = 1 + self.rng.below((data.len() - at).min(64));
        data.drain(at..at + n);
    }

    fn duplicate_chunk(&mut self, data: &mut Vec<u8>) {
        if data.is_empty() || data.len() > 1 << 20 {
            return;
        }
        let at = self.rng.below(data.len());
        let n = 1 + self.rng.below((data.len() - at).min(256));
        let chunk = data[at..at + n].to_vec();
        let to = self.position(data);
        data.splice(to..to, chunk);
    }

    fn splice(&mut self, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
        let other = &seeds[self.rng.below(seeds.len())];
        let cut = self.position(data);
        let from = self.rng.below(other.len() + 1);
        data.truncate(cut);
        data.extend_from_slice(&other[from..]);
    }

    fn insert_token(&mut self, data: &mut Vec<u8>) {
        let token = TOKENS[self.rng.below(TOKENS.len())].as_bytes();
        let at = self.position(data);
        if self.rng.below(2) == 0 || at == data.len() {
            data.splice(at..at, token.iter().copied());
        } else {
            let end = (at + token.len()).min(data.len());
            data.splice(at..end, token.iter().copied());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_replay_from_the_seed_and_differ_from_the_input() {
        let seeds = vec![b"hello, world: 12345678".to_vec(), vec![0u8; 40]];
        let a: Vec<Vec<u8>> = {
            let mut m = Mutator::new(42);
            (0..200).map(|_| m.mutant(&seeds, true)).collect()
        };
        let b: Vec<Vec<u8>> = {
            let mut m = Mutator::new(42);
            (0..200).map(|_| m.mutant(&seeds, true)).collect()
        };
        assert_eq!(a, b);
        let changed = a.iter().filter(|m| !seeds.contains(m)).count();
        assert!(
            changed > 180,
            "only {changed} of 200 mutants differ from a seed"
        );
    }
}
