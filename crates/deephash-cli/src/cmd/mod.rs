//! One module per subcommand: its arguments (clap derive) and its `run`.

pub mod bench;
pub mod eval;
pub mod fetch;
pub mod index;
pub mod search;
#[cfg(feature = "ml")]
pub mod demo;
#[cfg(feature = "ml")]
pub mod encode;
#[cfg(feature = "ml")]
pub mod features;
#[cfg(feature = "ml")]
pub mod query;
#[cfg(feature = "ml")]
pub mod reproduce;
#[cfg(feature = "ml")]
pub mod serve;
#[cfg(feature = "ml")]
pub mod train;
#[cfg(feature = "ml")]
pub mod workflow;
