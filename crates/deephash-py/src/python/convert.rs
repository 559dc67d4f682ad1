//! numpy arrays in and out: [`RawArray`]s of any array-like, results moved
//! into numpy without a copy, read-only views of Rust-owned codes.

use deephash_codes::{CodeMatrix, Labels};
use numpy::ndarray::ArrayView2;
use numpy::prelude::*;
use numpy::{Element, PyArray1, PyArray2};
use pyo3::prelude::*;

use super::DeephashError;
use crate::Error;
use crate::arrays::{self, RawArray};

/// The Python exception of an [`Error`].
pub fn to_py(err: Error) -> PyErr {
    DeephashError::new_err(err.to_string())
}

/// Calls `f` with `obj` (anything `numpy.asarray` accepts) as C-order
/// little-endian bytes; a C-contiguous native array is read in place.
fn with_raw<T>(
    obj: &Bound<'_, PyAny>,
    f: impl FnOnce(&RawArray<'_>) -> Result<T, Error>,
) -> PyResult<T> {
    let np = obj.py().import("numpy")?;
    let mut arr = np.call_method1("ascontiguousarray", (obj,))?;
    let dtype = arr.getattr("dtype")?;
    if dtype.getattr("byteorder")?.extract::<String>()? == ">" {
        arr = arr.call_method1("astype", (dtype.call_method1("newbyteorder", ("<",))?,))?;
    }
    let dtype = arr.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    let kind = kind.chars().next().unwrap_or('?');
    let descr: String = dtype.getattr("str")?.extract()?;
    let shape: Vec<usize> = arr.getattr("shape")?.extract()?;
    let itemsize: usize = dtype.getattr("itemsize")?.extract()?;
    let raw = |data| RawArray {
        shape: &shape,
        kind,
        itemsize,
        descr: &descr,
        data,
    };
    if !"buif".contains(kind) {
        // Refused by dtype before any data is read.
        return f(&raw(&[])).map_err(to_py);
    }
    let bytes = arr
        .call_method0("ravel")?
        .call_method1("view", (np.getattr("uint8")?,))?;
    let bytes = bytes.cast::<PyArray1<u8>>()?.readonly();
    let data = bytes
        .as_slice()
        .map_err(|e| DeephashError::new_err(e.to_string()))?;
    f(&raw(data)).map_err(to_py)
}

/// Codes from the argument `name` (packed uint8 or a sign matrix).
pub fn codes(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<CodeMatrix> {
    with_raw(obj, |raw| arrays::codes(name, raw))
}

/// Codes from the sign matrix `name` (any numeric dtype, uint8 included).
pub fn signs(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<CodeMatrix> {
    with_raw(obj, |raw| arrays::signs(name, raw))
}

/// Labels from the argument `name` (class ids or a 0/1 matrix).
pub fn labels(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Labels> {
    with_raw(obj, |raw| arrays::labels(name, raw))
}

/// A `rows × cols` array that takes over `data` (no copy).
pub fn matrix<T: Element>(
    py: Python<'_>,
    data: Vec<T>,
    rows: usize,
    cols: usize,
) -> PyResult<Bound<'_, PyArray2<T>>> {
    PyArray1::from_vec(py, data).reshape([rows, cols])
}

/// Labels as numpy: int64 class ids `(N,)` or a bool matrix `(N, C)`.
pub fn labels_array<'py>(py: Python<'py>, labels: &Labels) -> PyResult<Bound<'py, PyAny>> {
    Ok(match labels {
        Labels::Single(ids) => PyArray1::from_slice(py, ids).into_any(),
        Labels::Multi { classes, matrix: m } => {
            matrix(py, m.clone(), labels.len(), *classes)?.into_any()
        }
    })
}

/// A read-only numpy view of `codes`, which `owner` (a frozen object that never
/// changes them) keeps alive: no copy.
pub fn codes_view<'py>(
    owner: Bound<'py, PyAny>,
    codes: &CodeMatrix,
) -> PyResult<Bound<'py, PyArray2<u8>>> {
    let view = ArrayView2::from_shape((codes.len(), codes.bytes_per_code()), codes.as_bytes())
        .expect("a code matrix is len × bytes_per_code");
    // SAFETY: `codes` belongs to `owner`, an immutable (frozen) pyclass that the
    // array holds as its base object, so the memory outlives the array and is
    // never written; the view is made read-only so Python cannot write it either.
    let array = unsafe { PyArray2::borrow_from_array(&view, owner) };
    array.getattr("flags")?.setattr("writeable", false)?;
    Ok(array)
}
