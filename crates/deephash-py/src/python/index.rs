//! `deephash.Index`: a database of codes with a ready exact index (SIMD scan or
//! multi-index hashing), saved to and loaded from `deephash index` files.

use std::path::PathBuf;

use deephash_codes::CodeDb;
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;

use super::convert::{self, to_py};
use super::functions::Pairs;
use crate::load::{self, Searchable};
use crate::{Error, search as find};

/// One query's radius hits: ids (int64) and distances (int32).
type Hits<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i32>>);

/// An exact Hamming index over a fixed database of codes.
///
/// Index(codes, *, index="auto", ids=None, labels=None) builds one: codes as
/// for deephash.search; index "auto", "scan" or "mih" (auto: multi-index
/// hashing for >= 1,000,000 codes of <= 128 bits, else the scan); optional ids
/// (one str per code) and labels are stored and saved with the index.
/// Index.load(path) reads an index file (`deephash index build`), a code
/// database (.dhc) or a codes .npy, as `deephash search --db` does.
#[pyclass(module = "deephash", frozen)]
pub struct Index {
    inner: Searchable,
}

fn build(
    codes: &Bound<'_, PyAny>,
    index: &str,
    ids: Option<Vec<String>>,
    labels: Option<&Bound<'_, PyAny>>,
) -> PyResult<Index> {
    let kind = find::explicit_kind(index).map_err(to_py)?;
    let mut db = CodeDb::new(convert::codes("codes", codes)?);
    db.ids = ids;
    db.labels = labels.map(|l| convert::labels("labels", l)).transpose()?;
    let inner = codes
        .py()
        .detach(|| load::build_searchable(db, kind, "codes"))
        .map_err(to_py)?;
    Ok(Index { inner })
}

#[pymethods]
impl Index {
    #[new]
    #[pyo3(signature = (codes, *, index = "auto", ids = None, labels = None))]
    fn new(
        codes: &Bound<'_, PyAny>,
        index: &str,
        ids: Option<Vec<String>>,
        labels: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        build(codes, index, ids, labels)
    }

    /// Builds an index over codes (the same as the constructor).
    #[staticmethod]
    #[pyo3(signature = (codes, *, index = "auto", ids = None, labels = None))]
    fn build(
        codes: &Bound<'_, PyAny>,
        index: &str,
        ids: Option<Vec<String>>,
        labels: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        build(codes, index, ids, labels)
    }

    /// Loads an index file, a code database or a codes .npy. An index file keeps
    /// its own kind unless index asks for another; others get index's kind.
    #[staticmethod]
    #[pyo3(signature = (path, *, index = "auto"))]
    fn load(py: Python<'_>, path: PathBuf, index: &str) -> PyResult<Self> {
        let kind = find::explicit_kind(index).map_err(to_py)?;
        let inner = py.detach(|| load::load(&path, kind)).map_err(to_py)?;
        Ok(Index { inner })
    }

    /// Writes the index file (codes, ids, labels and, for "mih", its tables),
    /// atomically; `deephash search --db` and Index.load read it.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| load::save(&self.inner, &path)).map_err(to_py)
    }

    /// The k nearest codes of every query: (ids int64, distances int32), both
    /// (queries, k), nearest first, ties by the lower id. Releases the GIL.
    #[pyo3(signature = (queries, k, *, threads = None))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        k: usize,
        threads: Option<usize>,
    ) -> PyResult<Pairs<'py>> {
        let queries = convert::codes("queries", queries)?;
        let rows = queries.len();
        let (ids, distances) = py
            .detach(|| -> Result<_, Error> {
                let found = find::knn(self.inner.index.as_ref(), &queries, k, threads)?;
                Ok(find::columns(&found))
            })
            .map_err(to_py)?;
        Ok((
            convert::matrix(py, ids, rows, k)?,
            convert::matrix(py, distances, rows, k)?,
        ))
    }

    /// Every code within Hamming distance radius (inclusive) of each query: a
    /// list with one (ids int64, distances int32) pair per query, nearest
    /// first, ties by the lower id. Releases the GIL.
    #[pyo3(signature = (queries, radius, *, threads = None))]
    fn radius_search<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        radius: u32,
        threads: Option<usize>,
    ) -> PyResult<Vec<Hits<'py>>> {
        let queries = convert::codes("queries", queries)?;
        let hits = py
            .detach(|| find::radius(self.inner.index.as_ref(), &queries, radius, threads))
            .map_err(to_py)?;
        Ok(hits
            .into_iter()
            .map(|h| {
                let ids = h.iter().map(|&(i, _)| i64::from(i)).collect();
                let distances = h.iter().map(|&(_, d)| i32::from(d)).collect();
                (
                    PyArray1::from_vec(py, ids),
                    PyArray1::from_vec(py, distances),
                )
            })
            .collect())
    }

    /// "scan" or "mih".
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.name()
    }

    /// Code length in bits.
    #[getter]
    fn bits(&self) -> usize {
        self.inner.db.codes.bits()
    }

    /// The database codes, (N, bits/8) uint8: a read-only view, no copy.
    #[getter]
    fn codes(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyArray2<u8>>> {
        let codes = &slf.get().inner.db.codes;
        convert::codes_view(slf.clone().into_any(), codes)
    }

    /// One id per code, if the index has them.
    #[getter]
    fn ids(&self) -> Option<Vec<String>> {
        self.inner.db.ids.clone()
    }

    /// The labels (int64 (N,) or bool (N, C)), if the index has them.
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .db
            .labels
            .as_ref()
            .map(|l| convert::labels_array(py, l))
            .transpose()
    }

    fn __len__(&self) -> usize {
        self.inner.db.codes.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "deephash.Index(kind={:?}, codes={}, bits={})",
            self.kind(),
            self.__len__(),
            self.bits()
        )
    }
}
