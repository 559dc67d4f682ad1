#!/usr/bin/env bash
# Bounded load test of the search service on loopback (see docs/serve.md).
# Prints a markdown table of p50/p99 latency and throughput per scenario.
# Knobs (environment): LOAD_REQUESTS (per scenario, default 2000),
# LOAD_CLIENTS (concurrent clients, default 4), LOAD_ITEMS (database size, default 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test -p deephash-serve --test load -- --ignored --nocapture --test-threads=1
