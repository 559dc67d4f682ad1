#!/usr/bin/env bash
# The project's test suite: everything CI runs. Installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked
