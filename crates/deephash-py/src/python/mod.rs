//! The `deephash` Python module (PyO3, abi3): numpy arrays in, numpy arrays out,
//! the GIL released while Rust searches or evaluates.

mod codedb;
mod convert;
mod functions;
mod index;

use pyo3::prelude::*;

pyo3::create_exception!(
    deephash,
    DeephashError,
    pyo3::exceptions::PyValueError,
    "A bad argument or file; the message is the `deephash` CLI's one-line message."
);

/// Exact Hamming search and retrieval metrics for binary hash codes.
///
/// Codes are numpy arrays: packed uint8 of shape (N, bits/8) in numpy.packbits
/// order, or sign matrices (N, bits) of bools, +-1 integers or floats (bit 1
/// where the value is > 0). Labels are int class ids (N,) or one-hot (N, C).
#[pymodule]
#[pyo3(name = "deephash")]
fn deephash_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(functions::search, m)?)?;
    m.add_function(wrap_pyfunction!(functions::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::pack, m)?)?;
    m.add_function(wrap_pyfunction!(functions::unpack, m)?)?;
    m.add_class::<index::Index>()?;
    m.add_class::<codedb::CodeDB>()?;
    m.add("DeephashError", m.py().get_type::<DeephashError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
