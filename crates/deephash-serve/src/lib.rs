//! deephash-serve (work in progress).
