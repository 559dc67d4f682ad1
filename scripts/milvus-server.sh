#!/usr/bin/env bash
# Installs the Milvus server the Milvus tests run against (called by scripts/test.sh, or alone):
# PyPI's milvus-lite 2.5.1, the last release that ships the C++ Milvus server binary (3.x is a
# Python rewrite that stores no binary vectors), into its own virtual environment (.venv-milvus,
# git-ignored). Prints the package directory; the tests find it through DEEPHASH_MILVUS_LITE
# (scripts/test.sh exports it) or the default .venv-milvus location.
# The tests start `<package>/lib/milvus <db file> 127.0.0.1:<port> ERROR` themselves; no Python
# runs at test time.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/.venv-milvus"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'milvus-lite==2.5.1'
"$venv/bin/python" - <<'PY'
import importlib.util, os
spec = importlib.util.find_spec("milvus_lite")
print(os.path.dirname(spec.origin))
PY
