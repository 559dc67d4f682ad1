#!/usr/bin/env bash
# The project's test suite: everything CI runs. Installs what the tests need first:
# - Debian's chromium + chromium-driver for the web page's browser test (deephash-serve).
# - PyPI's milvus-lite 2.5.1 (scripts/milvus-server.sh, own venv .venv-milvus): the Milvus server
#   binary the Milvus tests start on loopback ports (deephash-milvus, serve, cli). Where it cannot
#   be installed those tests fail and say so; DEEPHASH_SKIP_MILVUS=1 skips them instead.
# Everything else (fixtures, the bundled Fashion-MNIST subset) is in the repository.
# After the tests, type-checks the CUDA backend (`--features cuda`): DOCS_RS=1 makes
# tracel-llvm-bundler's build script skip its LLVM download, which no registry serves
# (a check needs no LLVM; a real CUDA build does). DEEPHASH_SKIP_CUDA_CHECK=1 skips it.
# Between the two, the Python package's tests (scripts/test-python.sh: own venv .venv-py, maturin
# wheel, pytest against numpy and the CLI); DEEPHASH_SKIP_PYTHON=1 skips them.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing chromium and chromium-driver for the browser test" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
      || echo "test.sh: could not install chromium; the browser test will report itself skipped" >&2
  else
    echo "test.sh: chromium/chromedriver missing and no root apt-get; the browser test will report itself skipped" >&2
  fi
fi

if [ "${DEEPHASH_SKIP_MILVUS:-0}" != 1 ]; then
  echo "test.sh: Milvus Lite server for the Milvus tests (scripts/milvus-server.sh)" >&2
  if pkg="$(scripts/milvus-server.sh)"; then
    export DEEPHASH_MILVUS_LITE="$pkg"
  else
    echo "test.sh: could not install milvus-lite; the Milvus tests will fail (DEEPHASH_SKIP_MILVUS=1 skips them)" >&2
  fi
fi

cargo test --workspace --locked

if [ "${DEEPHASH_SKIP_PYTHON:-0}" != 1 ]; then
  echo "test.sh: Python package tests (scripts/test-python.sh)" >&2
  scripts/test-python.sh
fi

if [ "${DEEPHASH_SKIP_CUDA_CHECK:-0}" != 1 ]; then
  echo "test.sh: cargo check --features cuda (type-checks the CUDA backend path)" >&2
  DOCS_RS=1 cargo check -p deephash-cli --features cuda --locked
fi
