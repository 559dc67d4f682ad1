//! k-NN search in a collection.

use std::collections::HashMap;

use deephash_codes::CodeMatrix;
use milvus::v2::prelude::*;
use std::result::Result;

use crate::error::server;
use crate::schema::{CODE, ID, LABEL, PATH};
use crate::{MilvusClient, MilvusError};

/// The largest `k` Milvus answers.
pub const MAX_TOPK: usize = 16_384;

/// How a search runs.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// IVF lists to scan per query (`BIN_IVF_FLAT` only; the server's default when absent).
    pub nprobe: Option<u32>,
    /// A Milvus boolean expression over the fields, e.g. `label == 3` or `path like "cats/%"`.
    pub filter: Option<String>,
    /// Fetch each hit's label and path (else they come back as -1 and "").
    pub with_fields: bool,
}

/// One neighbour of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The item's id (its row in the pushed code database).
    pub id: i64,
    /// Hamming distance to the query.
    pub distance: u32,
    /// The item's label (-1 unknown or not fetched).
    pub label: i64,
    /// The item's path ("" unknown or not fetched).
    pub path: String,
}

impl MilvusClient {
    /// The `k` nearest codes of every query (at most `k`; fewer when the filter leaves fewer),
    /// nearest first, ties by lower id.
    pub fn search(
        &self,
        name: &str,
        queries: &CodeMatrix,
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Vec<Hit>>, MilvusError> {
        self.describe(name)?.check_bits(queries.bits(), "queries")?;
        self.search_described(name, queries, k, opts)
    }

    /// [`MilvusClient::search`] of a collection already described (its code length checked).
    pub(crate) fn search_described(
        &self,
        name: &str,
        queries: &CodeMatrix,
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Vec<Hit>>, MilvusError> {
        if !(1..=MAX_TOPK).contains(&k) {
            return Err(MilvusError::Invalid(format!(
                "k = {k} is not from 1 to {MAX_TOPK} (Milvus's limit)"
            )));
        }
        let per_request = (MAX_TOPK / k).clamp(1, 1024);
        let rows: Vec<usize> = (0..queries.len()).collect();
        let mut out = Vec::with_capacity(queries.len());
        for chunk in rows.chunks(per_request) {
            let vectors = chunk.iter().map(|&q| queries.code(q).to_vec()).collect();
            out.extend(self.search_chunk(name, vectors, k, opts)?);
        }
        Ok(out)
    }

    fn search_chunk(
        &self,
        name: &str,
        vectors: Vec<Vec<u8>>,
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Vec<Hit>>, MilvusError> {
        let mut params = HashMap::new();
        if let Some(nprobe) = opts.nprobe {
            params.insert("nprobe".to_string(), nprobe.to_string());
        }
        let fields: &[&str] = if opts.with_fields {
            &[LABEL, PATH]
        } else {
            &[]
        };
        let request = SearchRequest::builder()
            .collection_name(name)
            .vector_field(CODE)
            .vectors(SearchVectors::Binary(vectors))
            .filter(opts.filter.clone().unwrap_or_default())
            .output_fields(fields.iter().copied())
            .limit(k as i64)
            .metric_type(MetricType::Hamming)
            .extra_params(params)
            .consistency_level(ConsistencyLevel::Strong)
            .build()
            .map_err(server("search", name))?;
        let answer = self.block_on(self.client.search(request));
        let answer = answer.map_err(server("search", name))?;
        answer
            .results()
            .iter()
            .map(|one| hits_of(name, one, opts.with_fields))
            .collect()
    }
}

fn hits_of(name: &str, one: &SingleResult, with_fields: bool) -> Result<Vec<Hit>, MilvusError> {
    let Ids::Int64(ids) = one.get_ids() else {
        return Err(MilvusError::Schema {
            name: name.to_string(),
            reason: "its primary keys are not int64".into(),
        });
    };
    let mut hits: Vec<Hit> = ids
        .iter()
        .zip(one.get_scores())
        .map(|(&id, &score)| Hit {
            id,
            distance: score.round().max(0.0) as u32,
            label: crate::schema::NO_LABEL,
            path: String::new(),
        })
        .collect();
    if with_fields {
        // Servers before 2.6 (Milvus Lite 2.5 among them) leave the key and score field names
        // of a result empty, which the SDK's row reader refuses: name them.
        let named = one.clone().primary_field_name(ID).score_field_name("score");
        let rows = named.rows().map_err(server("search", name))?;
        for (hit, row) in hits.iter_mut().zip(rows) {
            hit.label = row.get_i64(LABEL).map_err(server("search", name))?;
            hit.path = row
                .get_str(PATH)
                .map_err(server("search", name))?
                .to_string();
        }
    }
    hits.sort_by_key(|h| (h.distance, h.id));
    Ok(hits)
}
