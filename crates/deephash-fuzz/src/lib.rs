//! Structure-aware mutation fuzzing of every parser of outside bytes: `.npy`,
//! `.dhc`, index files, MAT v5, list files, the API's code text, multipart
//! uploads, image decoding with its limits and a run directory's `config.toml`.
//! A test-only crate at the end of the data flow (it depends on every crate it
//! fuzzes; nothing depends on it).
//!
//! Two ways to run the targets. In this crate's tests, with no fuzzing toolchain: each
//! target starts from valid files ([`seeds`], also committed under `corpus/`)
//! and feeds its parser inputs made by [`Mutator`]: bit flips,
//! "interesting" integers written over length and size fields, truncation,
//! insertion, deletion, duplication, splicing of two seeds and, for text
//! formats, tokens such as separators, huge numbers and non-ASCII characters.
//! And coverage-guided, with AFL++: the harness in `afl/` (its own workspace,
//! built by `cargo afl`, see `scripts/fuzz_afl.sh`) runs the same targets'
//! checks on AFL's inputs, seeded from `corpus/`. The `config` target needs
//! `deephash-train` (hence burn) and is behind the default `config` feature,
//! which the AFL harness leaves off.
//!
//! [`run_campaign`] runs a target for a number of inputs from a fixed seed (so
//! any finding replays exactly), catches panics and reports them with the
//! input. A parser passes when it returns `Ok` or `Err` for every input; the
//! test binaries and the AFL harness also cap single allocations ([`Capped`]), so a header that
//! asks for gigabytes is a finding too.

mod campaign;
mod capped;
mod mutate;
pub mod seeds;
pub mod targets;

pub use campaign::{Campaign, Finding, run_campaign};
pub use capped::{ALLOC_CAP, Capped};
pub use mutate::{Mutator, Rng};
