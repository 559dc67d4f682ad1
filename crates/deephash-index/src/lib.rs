//! deephash-index (work in progress).
