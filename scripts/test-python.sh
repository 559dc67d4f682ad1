#!/usr/bin/env bash
# The Python package's tests (run by scripts/test.sh, or alone): builds the `deephash`
# wheel from crates/deephash-py with maturin into its own virtual environment
# (.venv-py, git-ignored), then runs its pytest suite, which compares the package
# with numpy references and with the `deephash` CLI on the same files.
# Needs python3 (>= 3.9) with venv and pip, and PyPI for maturin, numpy and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/.venv-py"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check maturin numpy pytest
# maturin is found on PATH by pip's build hook; no build isolation: no second download.
PATH="$venv/bin:$PATH" "$venv/bin/pip" install -q --disable-pip-version-check \
  --no-build-isolation --no-deps --force-reinstall ./crates/deephash-py
# The CLI the tests compare with: cargo test --workspace has built it; else a quick
# build without the deep-learning features (search and eval do not need them).
cli="$PWD/target/debug/deephash"
[ -x "$cli" ] || cargo build -p deephash-cli --no-default-features --locked
DEEPHASH_CLI="$cli" DEEPHASH_REQUIRE_CLI=1 "$venv/bin/python" -m pytest -q crates/deephash-py/tests
