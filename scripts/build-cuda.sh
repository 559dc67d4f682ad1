#!/usr/bin/env bash
# Builds the `deephash` binary with burn's CUDA backend (`--features cuda`) without any download
# outside the package registries.
#
# Why: cubecl-cuda 0.11.3 links LLVM (its nvptx compiler, crate cubecl-llvm) through
# tracel-llvm-bundler 23.1.0-4, whose build script downloads a prebuilt LLVM 23.1 from GitHub
# into $XDG_DATA_HOME/tracel/tracel-llvm-23.1.0-4 unless the file .tracel-llvm-installed exists
# there. This script fills that folder from Debian's LLVM 22 instead (llvm-22-dev with its static
# libraries, libpolly-22-dev, and the system libraries llvm-config names) and points
# XDG_DATA_HOME at it for the build only.
#
# Usage, from the repository root:  scripts/build-cuda.sh [extra cargo build arguments, e.g. --release]
# Environment: DEEPHASH_LLVM_HOME  where the LLVM prefix goes (default: target/llvm-prefix)
# Needs root (or sudo) for apt-get when the packages are missing. Running the binary needs an
# NVIDIA driver (libcuda); without one, `--device cuda` stops with an error that says so.
set -euo pipefail
cd "$(dirname "$0")/.."
llvm=/usr/lib/llvm-22
packages=(llvm-22-dev libpolly-22-dev libzstd-dev libz3-dev libxml2-dev)
if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get install -y -q "${packages[@]}"
fi
home=${DEEPHASH_LLVM_HOME:-$PWD/target/llvm-prefix}
prefix=$home/tracel/tracel-llvm-23.1.0-4
mkdir -p "$prefix/bin"
ln -sfn "$llvm/lib" "$prefix/lib"
ln -sfn "$llvm/include" "$prefix/include"
for tool in "$llvm"/bin/*; do
    ln -sfn "$tool" "$prefix/bin/$(basename "$tool")"
done
# Debian's llvm-config names libz3 by its full path; the bundler turns that into `-llibz3`,
# which no linker finds: hand it `-lz3` instead.
rm -f "$prefix/bin/llvm-config"
cat >"$prefix/bin/llvm-config" <<EOF
#!/bin/sh
$llvm/bin/llvm-config "\$@" | sed 's#/[^ ]*/libz3\.so#-lz3#'
EOF
chmod +x "$prefix/bin/llvm-config"
touch "$prefix/.tracel-llvm-installed"
XDG_DATA_HOME=$home cargo build -p deephash-cli --features cuda --locked "$@"
