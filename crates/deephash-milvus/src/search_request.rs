//! `deephash milvus search` as one library call: a query file searched in a collection, the
//! answers written as `.npy` files, JSON or a table.

use std::fmt::Write;
use std::path::PathBuf;

use deephash_codes::npy::write_npy_rows;

use crate::{Hit, MilvusClient, MilvusError, SearchOptions};

/// Query codes to search in a collection: the arguments of `deephash milvus search` (with the
/// `clap` feature, its flags).
#[derive(Clone, Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct SearchRequest {
    /// The server: `[http[s]://]host[:port]`.
    #[cfg_attr(feature = "clap", arg(long))]
    pub uri: String,
    /// The collection.
    #[cfg_attr(feature = "clap", arg(long))]
    pub collection: String,
    /// Query codes: .npy packed uint8, float embeddings (binarised by sign) or a .dhc.
    #[cfg_attr(feature = "clap", arg(long, value_name = "Q.npy"))]
    pub queries: PathBuf,
    /// Neighbours per query (1 to 16384).
    #[cfg_attr(feature = "clap", arg(short = 'k', long))]
    pub k: usize,
    /// Write neighbour ids as int64 .npy (queries × k; -1 where a filter left fewer).
    #[cfg_attr(feature = "clap", arg(long, value_name = "F.npy"))]
    pub out_ids: Option<PathBuf>,
    /// Write distances as int32 .npy (queries × k; -1 where a filter left fewer).
    #[cfg_attr(feature = "clap", arg(long, value_name = "F.npy"))]
    pub out_dist: Option<PathBuf>,
    /// Print JSON (one array per query of {id, distance, label, path}) instead of a table.
    #[cfg_attr(feature = "clap", arg(long))]
    pub json: bool,
    /// IVF lists scanned per query (BIN_IVF_FLAT collections).
    #[cfg_attr(feature = "clap", arg(long))]
    pub nprobe: Option<u32>,
    /// A Milvus filter expression, e.g. `label == 3` or `path like "cats/%"`.
    #[cfg_attr(feature = "clap", arg(long, value_name = "EXPR"))]
    pub filter: Option<String>,
}

impl SearchRequest {
    /// Reads the queries, searches ([`MilvusClient::search`]), writes `out_ids` / `out_dist`
    /// and returns what to print: JSON with `json`, a table when no output file is asked
    /// for, else nothing.
    pub fn run(&self) -> Result<Option<String>, MilvusError> {
        let queries = deephash_codes::read_codes(&self.queries)?;
        if queries.is_empty() {
            return Err(MilvusError::Invalid(format!(
                "{}: holds no query codes",
                self.queries.display()
            )));
        }
        let files = self.out_ids.is_some() || self.out_dist.is_some();
        let opts = SearchOptions {
            nprobe: self.nprobe,
            filter: self.filter.clone(),
            with_fields: self.json || !files,
        };
        let client = MilvusClient::connect(&self.uri)?;
        let hits = client.search(&self.collection, &queries, self.k, &opts)?;
        let shape = [hits.len() as u64, self.k as u64];
        if let Some(path) = &self.out_ids {
            write_npy_rows(path, &shape, padded(&hits, self.k, |h| h.id))?;
        }
        if let Some(path) = &self.out_dist {
            let dist = padded(&hits, self.k, |h| i64::from(h.distance));
            write_npy_rows(path, &shape, dist.into_iter().map(|d| d as i32))?;
        }
        Ok(if self.json {
            Some(hits_json(&hits))
        } else {
            (!files).then(|| hits_table(&hits))
        })
    }
}

/// `field` of each hit, `k` per query, -1 past the hits a query got.
fn padded(hits: &[Vec<Hit>], k: usize, field: fn(&Hit) -> i64) -> Vec<i64> {
    hits.iter()
        .flat_map(|row| (0..k).map(move |r| row.get(r).map_or(-1, field)))
        .collect()
}

/// One JSON array per query of `{id, distance, label, path}`, nearest first.
pub fn hits_json(hits: &[Vec<Hit>]) -> String {
    let rows: Vec<Vec<serde_json::Value>> = hits
        .iter()
        .map(|row| {
            row.iter()
                .map(|h| {
                    serde_json::json!({
                        "id": h.id, "distance": h.distance, "label": h.label, "path": h.path
                    })
                })
                .collect()
        })
        .collect();
    serde_json::Value::from(rows).to_string()
}

/// A tab-separated table: `query rank id distance label path`, one line per hit.
pub fn hits_table(hits: &[Vec<Hit>]) -> String {
    let mut out = String::from("query\trank\tid\tdistance\tlabel\tpath\n");
    for (q, row) in hits.iter().enumerate() {
        for (rank, h) in row.iter().enumerate() {
            let _ = writeln!(
                out,
                "{q}\t{rank}\t{}\t{}\t{}\t{}",
                h.id, h.distance, h.label, h.path
            );
        }
    }
    out
}
