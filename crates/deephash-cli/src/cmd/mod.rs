//! One module per subcommand: its arguments (clap derive) and its `run`.

pub mod bench;
#[cfg(feature = "ml")]
pub mod demo;
#[cfg(feature = "ml")]
pub mod encode;
pub mod eval;
#[cfg(feature = "ml")]
pub mod features;
pub mod fetch;
pub mod index;
#[cfg(feature = "ml")]
pub mod query;
#[cfg(feature = "ml")]
pub mod reproduce;
pub mod search;
#[cfg(feature = "ml")]
pub mod serve;
#[cfg(feature = "ml")]
pub mod train;
