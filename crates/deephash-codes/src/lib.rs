//! Packed binary hash codes: the format every other deephash crate speaks.
//!
//! A code of `bits` bits is stored in `bits / 8` bytes in the bit order of
//! `numpy.packbits` (bit 0 of the code is the most significant bit of byte 0), so
//! `.npy` files of packed `uint8` written by numpy or faiss load as they are.
//! This crate has no deep-learning dependency and builds in seconds.

mod code_matrix;
mod error;
mod labels;

pub use code_matrix::{CodeMatrix, MAX_BITS, MIN_BITS};
pub use error::CodesError;
pub use labels::Labels;
