//! deephash-metrics (work in progress).
