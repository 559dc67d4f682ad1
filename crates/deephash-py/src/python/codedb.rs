//! `deephash.CodeDB`: the `.dhc` code database (codes, ids, labels) that
//! `deephash encode` writes and every command reads.

use std::path::PathBuf;

use deephash_codes::CodeDb;
use numpy::PyArray2;
use pyo3::prelude::*;

use super::convert::{self, to_py};

/// A code database: codes (N, bits/8) uint8, optional ids (one str each) and
/// labels. CodeDB.open(path) reads a .dhc file; CodeDB(codes, ids=None,
/// labels=None) makes one, and save(path) writes it.
#[pyclass(module = "deephash", frozen)]
pub struct CodeDB {
    db: CodeDb,
}

#[pymethods]
impl CodeDB {
    #[new]
    #[pyo3(signature = (codes, *, ids = None, labels = None))]
    fn new(
        codes: &Bound<'_, PyAny>,
        ids: Option<Vec<String>>,
        labels: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut db = CodeDb::new(convert::codes("codes", codes)?);
        db.ids = ids;
        db.labels = labels.map(|l| convert::labels("labels", l)).transpose()?;
        db.validate().map_err(|e| to_py(e.into()))?;
        Ok(CodeDB { db })
    }

    /// Reads and validates (checksums included) a code database file.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let db = py
            .detach(|| CodeDb::read(&path))
            .map_err(|e| to_py(e.into()))?;
        Ok(CodeDB { db })
    }

    /// Writes the database to path atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.db.write(&path))
            .map_err(|e| to_py(e.into()))
    }

    /// The codes, (N, bits/8) uint8: a read-only view, no copy.
    #[getter]
    fn codes(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyArray2<u8>>> {
        let codes = &slf.get().db.codes;
        convert::codes_view(slf.clone().into_any(), codes)
    }

    /// One id per code, if stored.
    #[getter]
    fn ids(&self) -> Option<Vec<String>> {
        self.db.ids.clone()
    }

    /// The labels (int64 (N,) or bool (N, C)), if stored.
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.db
            .labels
            .as_ref()
            .map(|l| convert::labels_array(py, l))
            .transpose()
    }

    /// Code length in bits.
    #[getter]
    fn bits(&self) -> usize {
        self.db.codes.bits()
    }

    fn __len__(&self) -> usize {
        self.db.codes.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "deephash.CodeDB(codes={}, bits={}, ids={}, labels={})",
            self.__len__(),
            self.bits(),
            self.db.ids.is_some(),
            self.db.labels.is_some()
        )
    }
}
