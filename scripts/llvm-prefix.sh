# Sourced by scripts/build-cuda.sh and scripts/test.sh: prepares the LLVM that burn's CUDA
# backend links, from Debian's LLVM 22, without any download outside the package registries.
#
# Why: cubecl-cuda 0.11.3 links LLVM (its nvptx compiler, crate cubecl-llvm) through
# tracel-llvm-bundler 23.1.0-4, whose build script downloads a prebuilt LLVM 23.1 from GitHub
# into $XDG_DATA_HOME/tracel/tracel-llvm-23.1.0-4 unless the file .tracel-llvm-installed exists
# there. deephash_llvm_prefix fills that folder from Debian's LLVM 22 instead (llvm-22-dev with
# its static libraries, libpolly-22-dev, and the system libraries llvm-config names) and sets
# DEEPHASH_LLVM_XDG to the folder to pass as XDG_DATA_HOME to cargo (for the build only).
#
# Environment: DEEPHASH_LLVM_HOME  where the prefix goes (default: target/llvm-prefix).
# Needs root (or sudo) for apt-get when the packages are missing.

# Installs the packages if needed, writes the prefix, sets DEEPHASH_LLVM_XDG. Run from the
# repository root.
deephash_llvm_prefix() {
    local llvm=/usr/lib/llvm-22
    local packages=(llvm-22-dev libpolly-22-dev libzstd-dev libz3-dev libxml2-dev)
    if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
        local sudo=""
        [[ $(id -u) -ne 0 ]] && sudo=sudo
        $sudo apt-get install -y -q "${packages[@]}"
    fi
    local home=${DEEPHASH_LLVM_HOME:-$PWD/target/llvm-prefix}
    local prefix=$home/tracel/tracel-llvm-23.1.0-4
    mkdir -p "$prefix/bin"
    ln -sfn "$llvm/lib" "$prefix/lib"
    ln -sfn "$llvm/include" "$prefix/include"
    local tool
    for tool in "$llvm"/bin/*; do
        ln -sfn "$tool" "$prefix/bin/$(basename "$tool")"
    done
    # Debian's llvm-config names libz3 by its full path; the bundler turns that into `-llibz3`,
    # which no linker finds: hand it `-lz3` instead.
    rm -f "$prefix/bin/llvm-config"
    cat >"$prefix/bin/llvm-config" <<WRAPPER
#!/bin/sh
$llvm/bin/llvm-config "\$@" | sed 's#/[^ ]*/libz3\.so#-lz3#'
WRAPPER
    chmod +x "$prefix/bin/llvm-config"
    touch "$prefix/.tracel-llvm-installed"
    DEEPHASH_LLVM_XDG=$home
}
