//! A batch of query codes from a file searched against an opened database: the checks and the
//! thread pool that `search` and `bench hamming` share, and the two ways a batch's neighbours
//! leave the program (`.npy` files, a tab-separated table).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use deephash_codes::CodeMatrix;

use crate::{HammingIndex, IndexError, Neighbors};

/// Reads query codes (any format [`deephash_codes::read_codes`] reads) and checks they are
/// non-empty and as long as the database's `db_bits`.
pub fn load_queries(path: &Path, db_bits: usize) -> Result<CodeMatrix, IndexError> {
    let queries = deephash_codes::read_codes(path)?;
    if queries.is_empty() {
        return Err(IndexError::NoQueries {
            path: path.to_path_buf(),
        });
    }
    if queries.bits() != db_bits {
        return Err(IndexError::QueryBits {
            path: path.to_path_buf(),
            query: queries.bits(),
            db: db_bits,
        });
    }
    Ok(queries)
}

/// Checks `1 <= k <= n` for the database file `db` of `n` codes.
pub fn check_k(k: usize, n: usize, db: &Path) -> Result<(), IndexError> {
    if k == 0 || k > n {
        return Err(IndexError::KOutOfRange {
            k,
            n,
            db: db.to_path_buf(),
        });
    }
    Ok(())
}

/// A rayon pool with `threads` workers (all cores when `None`; 0 is refused).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, IndexError> {
    if threads == Some(0) {
        return Err(IndexError::NoThreads);
    }
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()?)
}

/// Seconds of the fastest of `reps` timed k-NN searches of the whole batch `queries` on
/// `pool`, after one untimed warm-up search (what `bench hamming` reports).
pub fn best_knn_seconds(
    index: &dyn HammingIndex,
    queries: &CodeMatrix,
    k: usize,
    reps: usize,
    pool: &rayon::ThreadPool,
) -> Result<f64, IndexError> {
    pool.install(|| index.knn(queries, k))?;
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let start = Instant::now();
        let result = pool.install(|| index.knn(queries, k))?;
        best = best.min(start.elapsed().as_secs_f64());
        std::hint::black_box(result);
    }
    Ok(best)
}

impl Neighbors {
    /// Writes the ids as int64 `.npy` and the distances as int32 `.npy` (queries × k), each
    /// where a path is given (atomically).
    pub fn write_npy(
        &self,
        ids: Option<&Path>,
        distances: Option<&Path>,
    ) -> Result<(), IndexError> {
        let shape = [self.queries() as u64, self.k as u64];
        if let Some(path) = ids {
            let values = self.ids.iter().map(|&i| i64::from(i));
            deephash_codes::npy::write_npy_rows(path, &shape, values)?;
        }
        if let Some(path) = distances {
            let values = self.distances.iter().map(|&d| i32::from(d));
            deephash_codes::npy::write_npy_rows(path, &shape, values)?;
        }
        Ok(())
    }

    /// Writes one tab-separated line per neighbour (`query rank id distance`, and `name` when
    /// the database has names for its ids) after a header line.
    pub fn write_table(
        &self,
        out: &mut impl Write,
        names: Option<&[String]>,
    ) -> std::io::Result<()> {
        let name_column = if names.is_some() { "\tname" } else { "" };
        writeln!(out, "query\trank\tid\tdistance{name_column}")?;
        for q in 0..self.queries() {
            let row = self.ids_of(q).iter().zip(self.distances_of(q));
            for (rank, (&id, &d)) in row.enumerate() {
                write!(out, "{q}\t{rank}\t{id}\t{d}")?;
                if let Some(names) = names {
                    write!(out, "\t{}", names[id as usize])?;
                }
                writeln!(out)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_neighbours_when_the_database_has_names() {
        let result = Neighbors {
            k: 2,
            ids: vec![1, 0],
            distances: vec![0, 3],
        };
        let names = ["a".to_string(), "b".to_string()];
        let mut out = Vec::new();
        result.write_table(&mut out, Some(&names)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "query\trank\tid\tdistance\tname\n0\t0\t1\t0\tb\n0\t1\t0\t3\ta\n"
        );
        let mut out = Vec::new();
        result.write_table(&mut out, None).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with("query\trank\tid\tdistance\n")
        );
    }

    #[test]
    fn k_and_threads_out_of_range_are_explained() {
        let err = check_k(0, 5, Path::new("db.npy")).unwrap_err().to_string();
        assert_eq!(
            err,
            "-k 0 is invalid: db.npy holds 5 codes, so k must be between 1 and 5"
        );
        assert!(check_k(5, 5, Path::new("db.npy")).is_ok());
        assert!(matches!(thread_pool(Some(0)), Err(IndexError::NoThreads)));
        assert_eq!(thread_pool(Some(2)).unwrap().current_num_threads(), 2);
    }

    #[test]
    fn ids_and_distances_are_written_as_npy() {
        let dir = tempfile::tempdir().unwrap();
        let result = Neighbors {
            k: 1,
            ids: vec![7, 2],
            distances: vec![4, 9],
        };
        let (ids, dist) = (dir.path().join("ids.npy"), dir.path().join("d.npy"));
        result.write_npy(Some(&ids), Some(&dist)).unwrap();
        let ids = deephash_codes::npy::read_npy(&ids).unwrap();
        assert_eq!((ids.rows(), ids.cols()), (2, 1));
        assert_eq!(ids.to_i64(), Some(vec![7, 2]));
        let dist = deephash_codes::npy::read_npy(&dist).unwrap();
        assert_eq!(dist.to_i64(), Some(vec![4, 9]));
    }
}
