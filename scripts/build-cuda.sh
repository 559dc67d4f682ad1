#!/usr/bin/env bash
# Builds the `deephash` binary with burn's CUDA backend (`--features cuda`) without any download
# outside the package registries: scripts/llvm-prefix.sh fills the folder tracel-llvm-bundler
# would download an LLVM 23.1 bundle into with Debian's LLVM 22 (it says why and how).
#
# Usage, from anywhere:  scripts/build-cuda.sh [extra cargo build arguments, e.g. --release]
# `--features wgpu` adds the portable GPU backend as well (cargo adds up --features flags).
# Environment: DEEPHASH_LLVM_HOME  where the LLVM prefix goes (default: target/llvm-prefix)
# Needs root (or sudo) for apt-get when the packages are missing. Running the binary needs an
# NVIDIA driver (libcuda); without one, `--device cuda` stops with an error that says so.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/llvm-prefix.sh
source scripts/llvm-prefix.sh
deephash_llvm_prefix
XDG_DATA_HOME=$DEEPHASH_LLVM_XDG cargo build -p deephash-cli --features cuda --locked "$@"
