//! deephash from Python: the `deephash` extension module (PyO3, abi3 wheel built by
//! maturin) over the codes, index and metrics crates.
//!
//! The crate is split so that everything except the PyO3 glue is plain Rust,
//! tested by `cargo test` without a Python interpreter:
//!
//! * [`arrays`]: numpy arrays (as raw little-endian bytes with a dtype) to codes
//!   and labels, through the same checks and messages as the CLI's `.npy` reader;
//! * [`search`]: index choice, thread pools and the k-NN / radius calls;
//! * [`eval`]: `deephash.evaluate`, the JSON of `deephash eval --json`;
//! * [`load`]: index, code-database and `.npy` files, as `deephash search --db` reads them;
//! * `python` (feature `python`, on in the wheel): the module itself.
//!
//! Every error is an [`Error`] whose one-line message is the CLI's, with the
//! Python argument's name where the CLI names a file.

pub mod arrays;
mod error;
pub mod eval;
pub mod load;
pub mod search;

#[cfg(feature = "python")]
mod python;

pub use error::Error;
