//! deephash-model (work in progress).
