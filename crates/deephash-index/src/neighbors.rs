//! Search results.

/// The `k` nearest neighbours of each query: row `q` holds query `q`'s ids and
/// distances, nearest first, ties by lower database id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbors {
    /// Neighbours per query.
    pub k: usize,
    /// Database ids, `queries × k`, row-major.
    pub ids: Vec<u32>,
    /// Hamming distances, `queries × k`, row-major.
    pub distances: Vec<u16>,
}

impl Neighbors {
    /// Number of queries.
    pub fn queries(&self) -> usize {
        self.ids.len().checked_div(self.k).unwrap_or(0)
    }

    /// Ids of query `q`'s neighbours.
    pub fn ids_of(&self, q: usize) -> &[u32] {
        &self.ids[q * self.k..(q + 1) * self.k]
    }

    /// Distances of query `q`'s neighbours.
    pub fn distances_of(&self, q: usize) -> &[u16] {
        &self.distances[q * self.k..(q + 1) * self.k]
    }

    /// Builds the result from one sorted key list (see [`crate::kernels::key`]) per query.
    pub fn from_sorted_keys(k: usize, per_query: Vec<Vec<u64>>) -> Self {
        let mut ids = Vec::with_capacity(k * per_query.len());
        let mut distances = Vec::with_capacity(k * per_query.len());
        for keys in per_query {
            debug_assert_eq!(keys.len(), k);
            ids.extend(keys.iter().map(|&key| key as u32));
            distances.extend(keys.iter().map(|&key| (key >> 32) as u16));
        }
        Self { k, ids, distances }
    }
}

/// All database items within a radius of one query: `(id, distance)`, nearest
/// first, ties by lower id.
pub type RadiusHits = Vec<(u32, u16)>;

/// Turns sorted keys into radius hits.
pub fn hits_from_keys(keys: &[u64]) -> RadiusHits {
    keys.iter()
        .map(|&key| (key as u32, (key >> 32) as u16))
        .collect()
}
