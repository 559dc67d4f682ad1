//! Exact Hamming-distance search over packed binary codes.
//!
//! * [`distances`]: one query against every code (for full rankings).
//! * [`LinearScan`]: batched exact k-NN and radius search with run-time selected
//!   SIMD kernels ([`Kernel`]: AVX-512 VPOPCNTDQ, AVX2, popcnt, portable scalar),
//!   query blocking for cache reuse and rayon threads.
//! * [`MultiIndexHashing`]: exact sub-linear search (Norouzi et al., CVPR 2012).
//! * [`choose`]: the documented rule for picking one; [`index_file`]: persisted indexes;
//!   [`open_index`]: an index file, code database or `.npy` codes, ready to search;
//!   [`batch`]: query files checked against it, searched on a thread pool, results written.
//!
//! Every path returns identical results: nearest first, ties by lower database id.
//! This crate does not depend on the deep-learning framework.

pub mod batch;
mod build_file;
mod choose;
mod distances;
mod error;
pub mod index_file;
pub mod kernels;
pub mod mih;
mod neighbors;
mod open;
mod padded;
mod scan;
mod search;
mod topk;

pub use build_file::{BuiltIndex, build_index_file};
pub use choose::{IndexKind, MIH_MAX_BITS, MIH_MIN_CODES, build, choose};
pub use distances::{detected_kernel, distances};
pub use error::IndexError;
pub use kernels::Kernel;
pub use mih::MultiIndexHashing;
pub use neighbors::{Neighbors, RadiusHits};
pub use open::open_index;
pub use padded::{PaddedCodes, stride_for};
pub use scan::LinearScan;
pub use search::HammingIndex;
pub use topk::TopK;
