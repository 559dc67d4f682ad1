#!/usr/bin/env bash
# The project's test suite: everything CI runs. Installs what the tests need first:
# - Debian's chromium + chromium-driver for the web page's browser test (deephash-serve).
# - PyPI's milvus-lite 2.5.1 (scripts/milvus-server.sh, own venv .venv-milvus): the Milvus server
#   binary the Milvus tests start on loopback ports (deephash-milvus, serve, cli). Where it cannot
#   be installed those tests fail and say so; DEEPHASH_SKIP_MILVUS=1 skips them instead.
# Everything else (fixtures, the bundled Fashion-MNIST subset) is in the repository.
# After the tests, the GPU paths (issue 17), in one build with both GPU backends
# (`--features cuda,wgpu`): it builds the `deephash` binary with burn's CUDA backend linked in
# (LLVM from Debian's llvm-22 packages through scripts/llvm-prefix.sh, no download; running it
# needs an NVIDIA GPU, building it does not) and the wgpu tests, which run on lavapipe (Debian's
# mesa-vulkan-drivers, Mesa's software Vulkan, installed here): parity fixtures on the wgpu
# device and a short training run. DEEPHASH_SKIP_GPU=1 skips the step.
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

if [ "${DEEPHASH_SKIP_GPU:-0}" != 1 ]; then
  echo "test.sh: GPU paths: the CUDA binary and the wgpu tests on lavapipe (--features cuda,wgpu)" >&2
  packages=(mesa-vulkan-drivers llvm-22-dev libpolly-22-dev libzstd-dev libz3-dev libxml2-dev)
  if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
  fi
  # shellcheck source=scripts/llvm-prefix.sh
  source scripts/llvm-prefix.sh
  deephash_llvm_prefix
  # Both commands select the same packages, features and profile (dev: our crates unoptimised,
  # the dependencies optimised), so the second reuses every artifact of the first (burn with both
  # backends is built once) and only links the two test binaries.
  gpu=(-p deephash-cli -p deephash-model -p deephash-train --features cuda,wgpu --locked)
  XDG_DATA_HOME=$DEEPHASH_LLVM_XDG cargo build "${gpu[@]}"
  XDG_DATA_HOME=$DEEPHASH_LLVM_XDG DEEPHASH_REQUIRE_GPU=1 cargo test --profile dev "${gpu[@]}" \
    --test model --test gpu_training -- gpu
fi
