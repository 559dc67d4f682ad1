#!/usr/bin/env bash
# Soak test of the search service on loopback at saturation (see docs/serve.md):
# image and code searches mixed for SOAK_SECONDS (default 600) from SOAK_CLIENTS
# (default 8) threads; prints p50/p99, throughput, errors, 503s and resident
# memory after warm-up and at the end, and fails on errors or > 10 % growth.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test -p deephash-serve --test soak -- --ignored --nocapture --test-threads=1
