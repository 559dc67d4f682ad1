//! The deephash search service: a JSON API and a web page over a code database.
//!
//! The crate does not depend on the deep-learning framework. It takes a
//! [`Catalog`] (codes, the item each code stands for and a `deephash-index` index) and an
//! [`ImageEncoder`] (any model that turns image bytes into a code) and serves:
//!
//! - `POST /search` (an image, raw body or multipart; `?k=`), `POST /search/code`
//!   (a code as hex or bits), `GET /items/{id}`, `GET /items/{id}/thumbnail`,
//!   `GET /health`, `GET /metrics` (Prometheus), `GET /openapi.json`;
//! - a search page at `/` whose HTML, CSS and script are compiled into the binary.
//!
//! Every request is bounded ([`Limits`]): body size, decoded pixels, concurrent
//! and queued inference (503 when full), a deadline (504), and `k`; every
//! connection by a header-read timeout that also closes idle keep-alive
//! connections, a head size (431) and a URI length (414). Bad input gets a 4xx
//! JSON error `{"error": code, "message": text}`, never a crash.
//!
//! Access ([`Access`]): with a [`Token`], every route but `/health` and the
//! page's own files needs `Authorization: Bearer <token>` (401 with an empty body
//! otherwise); without one the service only listens on loopback unless told
//! `insecure_public`. CORS is off unless an origin is named.

mod access;
mod api;
mod auth;
mod catalog;
mod code_text;
mod compute;
mod connection;
mod cors;
mod decode;
mod encoder;
mod error;
mod inference;
mod limits;
mod metrics;
#[cfg(feature = "milvus")]
mod milvus_catalog;
mod routes;
mod run;
mod search;
mod server;
mod state;
mod thumbnail;
mod uri_limit;

pub use access::{Access, MIN_TOKEN_LEN, Origin, Token};
pub use api::error::ApiError;
pub use catalog::{Catalog, Item};
pub use code_text::{CodeTextError, format_hex, parse_code};
pub use compute::{ComputeError, ComputePool};
pub use decode::{decode_image, probe_image};
pub use encoder::ImageEncoder;
pub use error::{DecodeError, EncodeError, ServeError};
pub use inference::{InferenceError, InferenceQueue};
pub use limits::{Limits, MIN_HEADER_BYTES};
pub use metrics::Metrics;
pub use routes::{ROUTES, Route};
pub use run::run_blocking;
pub use search::{Hit, SearchError};
pub use server::{DEFAULT_ADDR, bind, router, serve};
pub use state::AppState;
pub use thumbnail::{Thumbnail, ThumbnailCache, jpeg_thumbnail, make_thumbnail};
