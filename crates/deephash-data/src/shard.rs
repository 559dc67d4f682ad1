//! Shards of a data set: `I/N` picks a deterministic, disjoint `1/N` of the samples, so `N`
//! machines encode one data set in parallel and their outputs concatenate, in shard order,
//! into exactly what one machine would have written.

use std::ops::Range;
use std::str::FromStr;

/// Shard `index` of `count` (`0 <= index < count`): the `index`-th of `count` contiguous,
/// near-equal blocks of the samples in their usual order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    /// Which block, from 0.
    pub index: usize,
    /// How many blocks.
    pub count: usize,
}

/// A shard written wrongly (`I/N` with `0 <= I < N`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard `{text}`: {reason} (write I/N with 0 <= I < N, e.g. 0/4)")]
pub struct ShardError {
    text: String,
    reason: &'static str,
}

impl Shard {
    /// The whole data set (`0/1`).
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// The rows of this shard among `len` samples: block `index` of `count`, the first
    /// `len % count` blocks one row longer.
    pub fn range(&self, len: usize) -> Range<usize> {
        let start = |i: usize| i * (len / self.count) + i.min(len % self.count);
        start(self.index)..start(self.index + 1)
    }

    /// Keeps this shard's items of `items`, in order.
    pub fn select<T>(&self, items: Vec<T>) -> Vec<T> {
        let range = self.range(items.len());
        items
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .collect()
    }

    /// True for `0/1`.
    pub fn is_all(&self) -> bool {
        self.count == 1
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |reason| ShardError {
            text: text.to_string(),
            reason,
        };
        let (i, n) = text.split_once('/').ok_or_else(|| bad("no `/`"))?;
        let index = i
            .trim()
            .parse()
            .map_err(|_| bad("I is not a whole number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| bad("N is not a whole number"))?;
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index >= count {
            return Err(bad("I must be below N"));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_cover_everything_in_order_and_near_equal() {
        for len in [0, 1, 7, 10, 1001] {
            for count in [1, 2, 3, 4, 16] {
                let parts: Vec<Vec<usize>> = (0..count)
                    .map(|index| Shard { index, count }.select((0..len).collect()))
                    .collect();
                let joined: Vec<usize> = parts.concat();
                assert_eq!(
                    joined,
                    (0..len).collect::<Vec<_>>(),
                    "len {len} count {count}"
                );
                let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
                let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(hi - lo <= 1, "{sizes:?}");
            }
        }
        assert_eq!(Shard { index: 1, count: 3 }.range(10), 4..7);
    }

    #[test]
    fn parses_i_of_n_and_refuses_the_rest() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert_eq!("0/1".parse::<Shard>().unwrap(), Shard::ALL);
        for (text, why) in [
            ("4/4", "below N"),
            ("1/0", "at least 1"),
            ("a/2", "I is"),
            ("3", "no `/`"),
        ] {
            let e = text.parse::<Shard>().unwrap_err().to_string();
            assert!(e.contains(why) && e.contains(&format!("`{text}`")), "{e}");
        }
    }
}
