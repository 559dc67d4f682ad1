//! deephash-data (work in progress).
