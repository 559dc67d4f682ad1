#!/usr/bin/env bash
# Long fuzzing run of every parser of outside bytes (see docs/reliability.md):
# FUZZ_INPUTS per target (default 1,000,000), FUZZ_SEED (default 2),
# FUZZ_TARGETS=npy,dhc,... to choose. Prints inputs, time and findings per target;
# findings are saved under target/tmp/fuzz-findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test -p deephash-fuzz --test long -- --ignored --nocapture
