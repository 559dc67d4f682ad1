#!/usr/bin/env bash
# Soak test of the search service on loopback at saturation (see docs/serve.md):
# image and code searches mixed for SOAK_SECONDS (default 600) from SOAK_CLIENTS
# (default 8) threads; prints p50/p99, throughput, errors, 503s and resident
# memory after warm-up and at the end, and fails on errors or > 10 % growth.
# Every 10 s it also prints the live heap (a counting allocator), glibc's arenas,
# the sockets on the server's port and the thread count: a leak shows in the live
# heap, allocator growth only in resident memory. Takes SOAK_WARMUP_SECONDS
# (default 30) + SOAK_SECONDS; log it, e.g. `scripts/soak_serve.sh 2>&1 | tee soak.log`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test -p deephash-serve --locked --test soak -- --ignored --nocapture --test-threads=1
