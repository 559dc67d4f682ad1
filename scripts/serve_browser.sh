#!/usr/bin/env bash
# Browser test of the search page in headless Chromium (see docs/serve.md).
# Installs chromium and chromedriver from Debian when missing and allowed
# (root or INSTALL=1), runs the test and prints where its screenshots are.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] || [ "${INSTALL:-0}" = 1 ]; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
  else
    echo "chromium/chromedriver missing: apt-get install chromium chromium-driver" >&2
    exit 1
  fi
fi
cargo test -p deephash-serve --test browser -- --nocapture
