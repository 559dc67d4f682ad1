//! The module's functions: `search`, `evaluate`, `pack`, `unpack`.

use deephash_codes::CodeDb;
use deephash_metrics::DEFAULT_RADIUS;
use numpy::PyArray2;
use pyo3::prelude::*;

use super::convert::{self, to_py};
use crate::{Error, arrays, eval, load, search as find};

/// Ids (int64) and distances (int32), both `(queries, k)`.
pub type Pairs<'py> = (Bound<'py, PyArray2<i64>>, Bound<'py, PyArray2<i32>>);

/// The k nearest database codes of every query, by Hamming distance.
///
/// db, queries: packed uint8 (N, bits/8) in numpy.packbits order, or sign
/// matrices (N, bits) of bools, +-1 integers or floats (bit 1 where > 0).
/// k: neighbours per query, 1..=len(db). threads: worker threads (default all
/// cores). index: "auto" (multi-index hashing for >= 1,000,000 codes of <= 128
/// bits, else the SIMD scan), "scan" or "mih"; all are exact.
///
/// Returns (ids, distances): int64 and int32 arrays of shape (queries, k),
/// nearest first, ties broken by the lower database id (as `deephash search`).
/// The GIL is released while searching.
#[pyfunction]
#[pyo3(signature = (db, queries, k, *, threads = None, index = "auto"))]
pub fn search<'py>(
    py: Python<'py>,
    db: &Bound<'py, PyAny>,
    queries: &Bound<'py, PyAny>,
    k: usize,
    threads: Option<usize>,
    index: &str,
) -> PyResult<Pairs<'py>> {
    let kind = find::explicit_kind(index).map_err(to_py)?;
    let db = convert::codes("db", db)?;
    let queries = convert::codes("queries", queries)?;
    let rows = queries.len();
    let (ids, distances) = py
        .detach(|| -> Result<_, Error> {
            let searchable = load::build_searchable(CodeDb::new(db), kind, "db")?;
            let found = find::knn(searchable.index.as_ref(), &queries, k, threads)?;
            Ok(find::columns(&found))
        })
        .map_err(to_py)?;
    Ok((
        convert::matrix(py, ids, rows, k)?,
        convert::matrix(py, distances, rows, k)?,
    ))
}

/// Every retrieval metric of `deephash eval --json`, as a dict with its keys.
///
/// query_codes, db_codes: codes as for `search`. query_labels, db_labels: int
/// class ids (N,) or a multi-label 0/1 matrix (N, C) of bools, ints or floats
/// (one-hot, as DeepHash-pytorch stores them); relevant = a shared label.
/// topk: cut-off of map_at_k and precision_at_k (without it precision_at_k
/// uses k = 100 and there is no map_at_k). radius: Hamming radius of
/// precision_radius / recall_radius. "map" is over the whole ranking with ties
/// broken by the lower database index (numpy's stable argsort, `CalcTopMap`
/// with topk = len(db)); "map_tie_aware" averages over the orders of ties.
/// threads: worker threads (default all cores). The GIL is released while evaluating.
#[pyfunction]
// The arguments are the Python signature of `deephash.evaluate` (mirroring `deephash eval`).
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (query_codes, query_labels, db_codes, db_labels, *, topk = None, radius = DEFAULT_RADIUS, threads = None))]
pub fn evaluate<'py>(
    py: Python<'py>,
    query_codes: &Bound<'py, PyAny>,
    query_labels: &Bound<'py, PyAny>,
    db_codes: &Bound<'py, PyAny>,
    db_labels: &Bound<'py, PyAny>,
    topk: Option<usize>,
    radius: u32,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let query = convert::codes("query_codes", query_codes)?;
    let query_labels = convert::labels("query_labels", query_labels)?;
    let db = convert::codes("db_codes", db_codes)?;
    let db_labels = convert::labels("db_labels", db_labels)?;
    let json = py
        .detach(|| {
            let pool = find::thread_pool(threads)?;
            pool.install(|| eval::evaluate(&query, &query_labels, &db, &db_labels, topk, radius))
                .map(|report| eval::to_json(&report))
        })
        .map_err(to_py)?;
    py.import("json")?.call_method1("loads", (json,))
}

/// Packs a sign matrix (N, bits) into codes (N, bits/8) uint8, numpy.packbits
/// order: bit 1 where the value is > 0 (so +-1, 0/1 and bools all work).
/// bits must be a multiple of 8 from 8 to 1024.
#[pyfunction]
pub fn pack<'py>(py: Python<'py>, signs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray2<u8>>> {
    let codes = convert::signs("signs", signs)?;
    let (rows, cols) = (codes.len(), codes.bytes_per_code());
    convert::matrix(py, codes.into_bytes(), rows, cols)
}

/// Unpacks codes (N, bits/8) uint8 into their bits (N, bits) as 0/1 uint8,
/// exactly numpy.unpackbits(codes, axis=1).
#[pyfunction]
pub fn unpack<'py>(
    py: Python<'py>,
    codes: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray2<u8>>> {
    let codes = convert::codes("codes", codes)?;
    let (rows, bits) = (codes.len(), codes.bits());
    convert::matrix(py, arrays::unpack(&codes), rows, bits)
}
