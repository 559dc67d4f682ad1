//! Multi-index hashing (Norouzi, Punjani & Fleet, CVPR 2012): an exact,
//! sub-linear k-NN and radius search.
//!
//! Each code is cut into `m` disjoint substrings, and each substring position has
//! a table from substring value to the ids holding it. If two codes are within
//! distance `r`, some substring differs in at most `⌊r / m⌋` bits (pigeonhole), so
//! probing every table with all values within substring radius `s` finds every
//! code within `m·(s+1) − 1`. k-NN grows `s` from 0 until the k-th best candidate
//! is provably final; candidates are verified with the exact distance kernel,
//! and ties are broken by id exactly as in the linear scan.

use deephash_codes::CodeMatrix;
use rayon::prelude::*;

use crate::IndexError;
use crate::kernels::{Kernel, key};
use crate::neighbors::{Neighbors, RadiusHits, hits_from_keys};
use crate::padded::PaddedCodes;
use crate::search::{HammingIndex, check_k, pad_queries};

/// Longest substring: tables are dense arrays of `2^len + 1` offsets.
pub const MAX_SUBSTRING_BITS: usize = 16;

/// One substring's table: ids sorted by substring value (then by id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// First bit of the substring (numpy.packbits order).
    pub start: usize,
    /// Substring length in bits.
    pub len: usize,
    /// `2^len + 1` offsets into `ids`: value `v` owns `ids[offsets[v]..offsets[v+1]]`.
    pub offsets: Vec<u32>,
    /// Database ids grouped by substring value, ascending within each group.
    pub ids: Vec<u32>,
}

/// The multi-index hashing index.
#[derive(Clone, Debug)]
pub struct MultiIndexHashing {
    codes: PaddedCodes,
    tables: Vec<Table>,
    kernel: Kernel,
}

/// The default number of substrings for `n` codes of `bits` bits: substrings of
/// about `log2 n` bits (Norouzi et al.), between 4 and [`MAX_SUBSTRING_BITS`].
pub fn default_substrings(n: usize, bits: usize) -> usize {
    let target = (n.max(2) as f64)
        .log2()
        .round()
        .clamp(4.0, MAX_SUBSTRING_BITS as f64) as usize;
    bits.div_ceil(target)
}

/// Value of bits `start..start + len` of `code` (`len <= 32`), first bit most significant.
#[inline]
pub fn substring(code: &[u8], start: usize, len: usize) -> u32 {
    let (first, last) = (start / 8, (start + len - 1) / 8);
    let mut acc = 0u64;
    for &b in &code[first..=last] {
        acc = (acc << 8) | u64::from(b);
    }
    let right = (last + 1) * 8 - (start + len);
    ((acc >> right) & ((1u64 << len) - 1)) as u32
}

fn build_table(codes: &PaddedCodes, start: usize, len: usize) -> Table {
    let mut offsets = vec![0u32; (1 << len) + 1];
    let values: Vec<u32> = (0..codes.len())
        .map(|i| substring(codes.row(i), start, len))
        .collect();
    values.iter().for_each(|&v| offsets[v as usize + 1] += 1);
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    let mut cursor = offsets.clone();
    let mut ids = vec![0u32; codes.len()];
    for (id, &v) in values.iter().enumerate() {
        ids[cursor[v as usize] as usize] = id as u32;
        cursor[v as usize] += 1;
    }
    Table {
        start,
        len,
        offsets,
        ids,
    }
}

/// Calls `f` with every `len`-bit mask with exactly `ones` bits set (Gosper's hack).
#[inline]
fn for_each_mask(len: usize, ones: usize, mut f: impl FnMut(u32)) {
    if ones > len {
        return;
    }
    if ones == 0 {
        return f(0);
    }
    let limit = 1u64 << len;
    let mut c = (1u64 << ones) - 1;
    while c < limit {
        f(c as u32);
        let u = c & c.wrapping_neg();
        let v = c + u;
        c = v + (((v ^ c) / u) >> 2);
    }
}

/// Per-thread scratch space for probing.
struct Scratch {
    visited: Vec<u64>,
    touched: Vec<u32>,
    distances: Vec<u16>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Self {
            visited: vec![0; n.div_ceil(64)],
            touched: Vec::new(),
            distances: Vec::new(),
        }
    }

    fn reset(&mut self) {
        for &id in &self.touched {
            self.visited[id as usize / 64] = 0;
        }
        self.touched.clear();
    }
}

impl MultiIndexHashing {
    /// Builds the index with [`default_substrings`] substrings.
    pub fn new(codes: &CodeMatrix) -> Result<Self, IndexError> {
        Self::with_substrings(codes, default_substrings(codes.len(), codes.bits()))
    }

    /// Builds the index with `m` substrings of near-equal length (at most
    /// [`MAX_SUBSTRING_BITS`] bits each; `m` is raised if needed).
    pub fn with_substrings(codes: &CodeMatrix, m: usize) -> Result<Self, IndexError> {
        let padded = PaddedCodes::new(codes)?;
        let bits = codes.bits();
        let m = m.clamp(bits.div_ceil(MAX_SUBSTRING_BITS), bits);
        let mut bounds = Vec::with_capacity(m);
        let mut start = 0;
        for i in 0..m {
            let len = bits / m + usize::from(i < bits % m);
            bounds.push((start, len));
            start += len;
        }
        let tables = bounds
            .par_iter()
            .map(|&(s, l)| build_table(&padded, s, l))
            .collect();
        Ok(Self {
            codes: padded,
            tables,
            kernel: Kernel::detect(),
        })
    }

    /// Reassembles an index from its parts (index files); checks every table.
    pub fn from_parts(codes: PaddedCodes, tables: Vec<Table>) -> Result<Self, IndexError> {
        let bad = |what: String| IndexError::Shape { what };
        let mut next = 0;
        for (i, t) in tables.iter().enumerate() {
            if t.start != next || t.len == 0 || t.len > MAX_SUBSTRING_BITS {
                return Err(bad(format!(
                    "table {i}: substring {}+{} does not continue at bit {next}",
                    t.start, t.len
                )));
            }
            next += t.len;
            let ok_offsets = t.offsets.len() == (1 << t.len) + 1
                && t.offsets[0] == 0
                && t.offsets.windows(2).all(|w| w[0] <= w[1])
                && t.offsets.last().copied() == Some(codes.len() as u32);
            if !ok_offsets
                || t.ids.len() != codes.len()
                || t.ids.iter().any(|&id| id as usize >= codes.len())
            {
                return Err(bad(format!(
                    "table {i}: offsets or ids are inconsistent with {} codes",
                    codes.len()
                )));
            }
        }
        if next != codes.bits() {
            return Err(bad(format!(
                "substrings cover {next} bits of {}",
                codes.bits()
            )));
        }
        Ok(Self {
            codes,
            tables,
            kernel: Kernel::detect(),
        })
    }

    /// Uses `kernel` for candidate verification (tests).
    pub fn with_kernel(mut self, kernel: Kernel) -> Self {
        self.kernel = kernel;
        self
    }

    /// The substring tables.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The padded database.
    pub fn codes(&self) -> &PaddedCodes {
        &self.codes
    }

    /// Probes every table at substring radius exactly `s`; appends the keys of
    /// newly seen codes whose distance is at most `keep_max`.
    fn probe(
        &self,
        query: &[u8],
        subs: &[u32],
        s: usize,
        keep_max: u32,
        scratch: &mut Scratch,
        keys: &mut Vec<u64>,
    ) {
        let first_new = scratch.touched.len();
        for (t, &qv) in self.tables.iter().zip(subs) {
            for_each_mask(t.len, s, |mask| {
                let v = (qv ^ mask) as usize;
                for &id in &t.ids[t.offsets[v] as usize..t.offsets[v + 1] as usize] {
                    let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
                    if scratch.visited[word] & bit == 0 {
                        scratch.visited[word] |= bit;
                        scratch.touched.push(id);
                    }
                }
            });
        }
        let new = &scratch.touched[first_new..];
        scratch.distances.resize(new.len(), 0);
        self.kernel.distances_of(
            query,
            self.codes.as_bytes(),
            self.codes.stride(),
            new,
            &mut scratch.distances,
        );
        for (&id, &d) in new.iter().zip(&scratch.distances) {
            if u32::from(d) <= keep_max {
                keys.push(key(u32::from(d), id));
            }
        }
    }

    fn substrings_of(&self, query: &[u8]) -> Vec<u32> {
        self.tables
            .iter()
            .map(|t| substring(query, t.start, t.len))
            .collect()
    }

    fn knn_one(&self, query: &[u8], k: usize, scratch: &mut Scratch) -> Vec<u64> {
        let subs = self.substrings_of(query);
        let m = self.tables.len() as u32;
        let max_len = self.tables.iter().map(|t| t.len).max().unwrap_or(0);
        let mut keys = Vec::new();
        let mut bound = self.codes.bits() as u32;
        for s in 0..=max_len {
            self.probe(query, &subs, s, bound, scratch, &mut keys);
            if keys.len() >= k {
                keys.select_nth_unstable(k - 1);
                keys.truncate(k);
                bound = keys.iter().map(|&x| (x >> 32) as u32).max().unwrap_or(0);
                if bound < m * (s as u32 + 1) {
                    break;
                }
            }
        }
        scratch.reset();
        keys.sort_unstable();
        keys
    }

    fn radius_one(&self, query: &[u8], radius: u32, scratch: &mut Scratch) -> RadiusHits {
        let subs = self.substrings_of(query);
        let max_len = self.tables.iter().map(|t| t.len).max().unwrap_or(0);
        let s_max = (radius as usize / self.tables.len()).min(max_len);
        let mut keys = Vec::new();
        for s in 0..=s_max {
            self.probe(query, &subs, s, radius, scratch, &mut keys);
        }
        scratch.reset();
        keys.sort_unstable();
        hits_from_keys(&keys)
    }
}

impl HammingIndex for MultiIndexHashing {
    fn bits(&self) -> usize {
        self.codes.bits()
    }

    fn len(&self) -> usize {
        self.codes.len()
    }

    fn name(&self) -> &'static str {
        "mih"
    }

    fn knn(&self, queries: &CodeMatrix, k: usize) -> Result<Neighbors, IndexError> {
        let padded = pad_queries(queries, self.bits())?;
        check_k(k, self.len())?;
        let per_query = (0..padded.len())
            .into_par_iter()
            .map_init(
                || Scratch::new(self.len()),
                |scratch, q| self.knn_one(padded.row(q), k, scratch),
            )
            .collect();
        Ok(Neighbors::from_sorted_keys(k, per_query))
    }

    fn radius(&self, queries: &CodeMatrix, radius: u32) -> Result<Vec<RadiusHits>, IndexError> {
        let padded = pad_queries(queries, self.bits())?;
        Ok((0..padded.len())
            .into_par_iter()
            .map_init(
                || Scratch::new(self.len()),
                |scratch, q| self.radius_one(padded.row(q), radius, scratch),
            )
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_reads_packbits_order() {
        let code = [0b1010_0000, 0b0000_0001];
        assert_eq!(substring(&code, 0, 3), 0b101);
        assert_eq!(substring(&code, 6, 10), 1);
        assert_eq!(substring(&code, 2, 8), 0b1000_0000);
    }

    #[test]
    fn masks_are_all_combinations() {
        let mut seen = Vec::new();
        for_each_mask(5, 2, |m| seen.push(m));
        assert_eq!(seen.len(), 10);
        assert!(seen.iter().all(|m| m.count_ones() == 2 && *m < 32));
        let mut zero = Vec::new();
        for_each_mask(16, 0, |m| zero.push(m));
        assert_eq!(zero, vec![0]);
    }
}
