//! HTTP handlers, one file per concern.

pub mod assets;
pub mod error;
pub mod items;
pub mod query;
pub mod search_code;
pub mod search_image;
pub mod service;
