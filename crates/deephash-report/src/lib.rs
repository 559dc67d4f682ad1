//! deephash-report (work in progress).
