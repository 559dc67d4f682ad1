//! Packed binary hash codes: the format every other deephash crate speaks.
//!
//! A code of `bits` bits is stored in `bits / 8` bytes in the bit order of
//! `numpy.packbits` (bit 0 of the code is the most significant bit of byte 0), so
//! `.npy` files of packed `uint8` written by numpy or faiss load as they are.
//! Float embeddings become codes by sign: `x > 0` gives bit 1, anything else
//! (zero, negatives) bit 0; NaN and infinities are refused.
//!
//! Files: [`read_codes`] and [`read_labels`] read `.npy` files or the own code
//! database format ([`CodeDb`], see [`db_format`] for its layout), told apart by magic.
//! Every writer is atomic (temporary file + rename). This crate has no
//! deep-learning dependency and builds in seconds.

mod atomic;
mod code_matrix;
mod codes_io;
pub mod db_format;
mod db_meta;
mod error;
mod file_bytes;
mod labels;
mod labels_io;
mod merge;
pub mod npy;

pub use atomic::write_atomically;
pub use code_matrix::{CodeMatrix, MAX_BITS, MIN_BITS};
pub use codes_io::{codes_from_npy, read_codes, write_codes_npy};
pub use db_format::{CodeDb, DB_MAGIC};
pub use db_meta::{DatasetRef, DbMeta, ModelFingerprint};
pub use error::CodesError;
pub use labels::Labels;
pub use labels_io::{labels_from_npy, read_labels, write_labels_npy};
pub use merge::{merge_db_files, merge_db_files_into};
