//! One module per subcommand: its arguments (clap derive) and its `run`.

pub mod bench;
pub mod codes;
#[cfg(feature = "ml")]
pub mod demo;
#[cfg(feature = "ml")]
pub mod encode;
pub mod eval;
#[cfg(feature = "milvus")]
pub mod export;
#[cfg(feature = "ml")]
pub mod features;
pub mod fetch;
pub mod index;
#[cfg(feature = "milvus")]
pub mod milvus;
#[cfg(feature = "ml")]
pub mod query;
#[cfg(feature = "ml")]
pub mod reproduce;
pub mod search;
#[cfg(feature = "ml")]
pub mod serve;
#[cfg(feature = "ml")]
pub mod train;
