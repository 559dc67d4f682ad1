//! deephash-train (work in progress).
