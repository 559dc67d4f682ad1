//! Integration tests of deephash-model (one binary: burn links slowly).
//!
//! Fixtures in `tests/fixtures/` are written by `scripts/make_parity_fixtures.py`.

mod bn_grad;
mod common;
mod conv_grad;
mod fused;
#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod gpu;
mod hashnet;
mod inference;
mod parity;
mod pool_grad;
mod weights;
