use serde::Serialize;

use super::error::ApiError;
use crate::code_text::format_hex;
use crate::search::Hit;
use crate::state::AppState;

/// One result of a search, as answered to clients.
#[derive(Debug, Serialize)]
pub struct ResultItem {
    /// 1-based rank.
    pub rank: usize,
    /// Item id (its row in the code database).
    pub id: usize,
    /// Hamming distance to the query.
    pub distance: u32,
    /// Image path of the item.
    pub path: String,
    /// Label of the item, if known.
    pub label: Option<String>,
    /// The item's code in hexadecimal (search with it via `/search/code`).
    pub code: String,
    /// URL of the item's thumbnail.
    pub thumbnail: String,
}

/// The answer to a search.
#[derive(Debug, Serialize)]
pub struct SearchResponse {
    /// Code length in bits.
    pub bits: usize,
    /// Number of results asked for.
    pub k: usize,
    /// The query's code in hexadecimal.
    pub query_code: String,
    /// Results, nearest first (ties: lower id first).
    pub results: Vec<ResultItem>,
}

/// Reads `k` from a query string (`k=10`), or the default when absent, and
/// checks it lies in 1..=max_k.
pub fn k_from_query(state: &AppState, query: Option<&str>) -> Result<usize, ApiError> {
    let raw = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("k="));
    match raw {
        None => check_k(state, state.limits.default_k),
        Some(text) => {
            let k = text
                .parse::<usize>()
                .map_err(|_| bad_k(state, &format!("k={text:?} is not a whole number")))?;
            check_k(state, k)
        }
    }
}

/// Checks that `k` lies in 1..=max_k.
pub fn check_k(state: &AppState, k: usize) -> Result<usize, ApiError> {
    if (1..=state.max_k()).contains(&k) {
        Ok(k)
    } else {
        Err(bad_k(state, &format!("k={k} is out of range")))
    }
}

fn bad_k(state: &AppState, what: &str) -> ApiError {
    ApiError::bad_request(
        "bad_k",
        format!("{what}: k must be from 1 to {}", state.max_k()),
    )
}

/// Searches the catalog for `code` on a compute thread and builds the answer.
pub async fn answer(
    state: std::sync::Arc<AppState>,
    code: Vec<u8>,
    k: usize,
) -> Result<SearchResponse, ApiError> {
    let compute = state.compute.clone();
    compute
        .run(move || {
            let hits = state
                .catalog
                .search(&code, k)
                .map_err(|e| ApiError::internal(format!("{e}: {}", e.0)))?;
            Ok(SearchResponse {
                bits: state.catalog.bits(),
                k,
                query_code: format_hex(&code),
                results: hits
                    .iter()
                    .enumerate()
                    .map(|(i, hit)| result_item(&state, i + 1, *hit))
                    .collect(),
            })
        })
        .await
        .map_err(|e| ApiError::internal(format!("search task failed: {e}")))?
}

fn result_item(state: &AppState, rank: usize, hit: Hit) -> ResultItem {
    let item = state.catalog.item(hit.index);
    ResultItem {
        rank,
        id: hit.index,
        distance: hit.distance,
        path: item
            .map(|i| i.path.display().to_string())
            .unwrap_or_default(),
        label: item.and_then(|i| i.label.clone()),
        code: state
            .catalog
            .code(hit.index)
            .map(format_hex)
            .unwrap_or_default(),
        thumbnail: format!("/items/{}/thumbnail", hit.index),
    }
}
