//! Search: which index, on how many threads, with the CLI's argument checks.

use deephash_codes::CodeMatrix;
use deephash_index::{HammingIndex, IndexKind, Neighbors, RadiusHits};

use crate::Error;

/// The index kind named `index`: `scan` or `mih`, `None` for `auto` (the caller
/// then applies [`deephash_index::choose`], the CLI's rule), an error for anything else.
pub fn explicit_kind(index: &str) -> Result<Option<IndexKind>, Error> {
    match index {
        "auto" => Ok(None),
        "scan" => Ok(Some(IndexKind::Scan)),
        "mih" => Ok(Some(IndexKind::Mih)),
        other => Err(Error::argument(format!(
            "index = {other:?} is invalid: use \"auto\", \"scan\" or \"mih\""
        ))),
    }
}

/// A rayon pool with `threads` workers (all cores when `None`).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    if threads == Some(0) {
        return Err(Error::argument("threads = 0 is invalid: use at least 1"));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::argument(format!("cannot start {threads:?} threads: {e}")))
}

/// Checks queries against the database as `deephash search` does.
pub fn check_queries(queries: &CodeMatrix, db_bits: usize) -> Result<(), Error> {
    if queries.is_empty() {
        return Err(Error::argument("queries: holds no query codes"));
    }
    if queries.bits() != db_bits {
        return Err(Error::argument(format!(
            "queries: queries have {} bits but the database has {db_bits} bits",
            queries.bits()
        )));
    }
    Ok(())
}

/// Checks `1 <= k <= n` with the CLI's message (`db` names the database).
pub fn check_k(k: usize, n: usize) -> Result<(), Error> {
    if k == 0 || k > n {
        return Err(Error::argument(format!(
            "k = {k} is invalid: db holds {n} codes, so k must be between 1 and {n}"
        )));
    }
    Ok(())
}

/// The `k` nearest database codes of every query on `threads` threads.
pub fn knn(
    index: &dyn HammingIndex,
    queries: &CodeMatrix,
    k: usize,
    threads: Option<usize>,
) -> Result<Neighbors, Error> {
    check_queries(queries, index.bits())?;
    check_k(k, index.len())?;
    let pool = thread_pool(threads)?;
    Ok(pool.install(|| index.knn(queries, k))?)
}

/// Every database code within `radius` of each query on `threads` threads.
pub fn radius(
    index: &dyn HammingIndex,
    queries: &CodeMatrix,
    radius: u32,
    threads: Option<usize>,
) -> Result<Vec<RadiusHits>, Error> {
    check_queries(queries, index.bits())?;
    let pool = thread_pool(threads)?;
    Ok(pool.install(|| index.radius(queries, radius))?)
}

/// Ids as `int64` and distances as `int32`, `queries × k` row-major: the dtypes
/// of `deephash search --out-ids/--out-dist` and of faiss.
pub fn columns(neighbors: &Neighbors) -> (Vec<i64>, Vec<i32>) {
    (
        neighbors.ids.iter().map(|&i| i64::from(i)).collect(),
        neighbors.distances.iter().map(|&d| i32::from(d)).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use deephash_index::build;

    fn brute_force(db: &CodeMatrix, q: &[u8], k: usize) -> Vec<(u32, u32)> {
        let mut all: Vec<(u32, u32)> = (0..db.len())
            .map(|i| {
                let d = db
                    .code(i)
                    .iter()
                    .zip(q)
                    .map(|(a, b)| (a ^ b).count_ones())
                    .sum();
                (d, i as u32)
            })
            .collect();
        all.sort();
        all.truncate(k);
        all
    }

    #[test]
    fn knn_equals_brute_force_with_ties_by_lower_id_for_both_kinds() {
        let bytes: Vec<u8> = (0..400u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 & 0x0f)
            .collect();
        let db = CodeMatrix::from_packed(16, bytes).unwrap();
        let queries = CodeMatrix::from_packed(16, db.as_bytes()[..20].to_vec()).unwrap();
        for kind in [IndexKind::Scan, IndexKind::Mih] {
            let index = build(kind, &db).unwrap();
            let result = knn(index.as_ref(), &queries, 7, Some(1)).unwrap();
            for q in 0..queries.len() {
                let want = brute_force(&db, queries.code(q), 7);
                let got: Vec<(u32, u32)> = result
                    .ids_of(q)
                    .iter()
                    .zip(result.distances_of(q))
                    .map(|(&i, &d)| (u32::from(d), i))
                    .collect();
                assert_eq!(got, want, "{kind:?} query {q}");
            }
        }
    }

    #[test]
    fn bad_arguments_are_one_line_errors() {
        let db = CodeMatrix::from_packed(8, vec![1, 2, 3]).unwrap();
        let index = build(IndexKind::Scan, &db).unwrap();
        let q16 = CodeMatrix::from_packed(16, vec![0, 0]).unwrap();
        let q8 = CodeMatrix::from_packed(8, vec![0]).unwrap();
        let msg = |e: Error| e.to_string();
        assert_eq!(
            msg(knn(index.as_ref(), &q8, 4, None).unwrap_err()),
            "k = 4 is invalid: db holds 3 codes, so k must be between 1 and 3"
        );
        assert_eq!(
            msg(knn(index.as_ref(), &q16, 1, None).unwrap_err()),
            "queries: queries have 16 bits but the database has 8 bits"
        );
        assert!(msg(knn(index.as_ref(), &q8, 1, Some(0)).unwrap_err()).contains("threads = 0"));
        assert!(msg(explicit_kind("lsh").unwrap_err()).contains("\"lsh\""));
        assert_eq!(explicit_kind("auto").unwrap(), None);
        assert_eq!(explicit_kind("mih").unwrap(), Some(IndexKind::Mih));
    }
}
