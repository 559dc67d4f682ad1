#!/usr/bin/env bash
# Benchmark: network throughput of `deephash bench model` against PyTorch on the same machine,
# one case after the other (scripts/bench_torch_model.py does the same work in PyTorch).
#
# Usage, from the repository root:  scripts/bench_model.sh [CASE ...]
# A CASE is BACKBONE:BATCH:MODE with MODE infer or train, or `layers` for the per-layer table of
# ResNet-18's convolution shapes (deephash-kernels' `conv_layers` example against
# scripts/bench_torch_conv_layers.py: forward, input gradient dX, weight gradient dW).
# Default: every case below and the per-layer table.
# Peak memory is each process's maximum resident set (`/usr/bin/time -f %M`, Debian package
# `time`): the whole process, interpreter and libraries included, warm-up batch included.
# Environment (all optional):
#   PYTHON    python with torch==2.9.0 and torchvision==0.24.0   (default: .venv-torch/bin/python)
#   DEEPHASH  the deephash binary     (default: target/release/deephash, built here)
#   THREADS   PyTorch threads          (default: the number of cores, as rayon uses)
#   ITERS     timed batches per case   (default: 3)
#   LAYERS    the conv_layers example binary (default: built here with gemm's AVX-512 kernels,
#             which still run the AVX2/FMA kernels on CPUs without AVX-512)
#   BATCH     batch of the per-layer table (default: 32)
#   AVX2      1: both sides on their AVX2 code paths only, for the figure of an AVX2-only CPU on
#             an AVX-512 machine: deephash built without the GEMM's AVX-512 kernels (feature
#             `avx512` off, in target/avx2) and its own loops capped (DEEPHASH_SIMD=avx2);
#             PyTorch capped the same way (ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2,
#             MKL_ENABLE_INSTRUCTIONS=AVX2). Same cores and clock: it stands for an AVX2 CPU of
#             the same microarchitecture, not for every AVX2 CPU.
#
# Prints one markdown row per case: images/s of both and the ratio deephash / PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv-torch/bin/python}
THREADS=${THREADS:-$(nproc)}
ITERS=${ITERS:-3}
if [[ ${AVX2:-0} == 1 ]]; then
    export DEEPHASH_SIMD=avx2 ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2
    if [[ -z "${DEEPHASH:-}" ]]; then
        cargo build --release -q -p deephash-cli --no-default-features --features ml,milvus \
            --target-dir target/avx2
        DEEPHASH=target/avx2/release/deephash
    fi
    if [[ -z "${LAYERS:-}" ]]; then
        cargo build --release -q -p deephash-kernels --example conv_layers --target-dir target/avx2
        LAYERS=target/avx2/release/examples/conv_layers
    fi
fi
if [[ -z "${DEEPHASH:-}" ]]; then
    cargo build --release -q -p deephash-cli
    DEEPHASH=target/release/deephash
fi
cases=("$@")
if [[ ${#cases[@]} -eq 0 ]]; then
    cases=(small-cnn:80:infer small-cnn:80:train resnet18:32:infer resnet18:16:train
        resnet50:32:infer efficientnet-lite0:32:infer layers)
fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores," \
    "$(grep -o -m1 -w avx512f /proc/cpuinfo || echo 'no avx512f'), load $(cut -d' ' -f1-3 /proc/loadavg)" \
    "$([[ ${AVX2:-0} == 1 ]] && echo '- AVX2 code paths only, both sides')"
rate() { sed -nE 's/.*img_per_s=([0-9.]+).*/\1/p'; }
# Runs a command; prints its output, then `peak_mib=<max RSS in MiB>` on a line of its own.
measured() {
    local rss
    rss=$(mktemp)
    /usr/bin/time -o "$rss" -f '%M' "$@"
    awk '{ printf "peak_mib=%.0f\n", $1 / 1024 }' "$rss"
    rm -f "$rss"
}
peak() { sed -nE 's/^peak_mib=([0-9]+)$/\1/p'; }

# The per-layer table: both programs print the same markdown rows; join them row by row.
layer_table() {
    local batch=${BATCH:-32} ours torch
    if [[ -z "${LAYERS:-}" ]]; then
        cargo build --release -q -p deephash-kernels --features gemm/x86-v4 --example conv_layers
        LAYERS=target/release/examples/conv_layers
    fi
    torch=$("$PYTHON" scripts/bench_torch_conv_layers.py --batch "$batch" --threads "$THREADS")
    ours=$(RAYON_NUM_THREADS=$THREADS "$LAYERS" "$batch")
    echo
    echo "ResNet-18 convolutions, batch $batch, ms per call (PyTorch / deephash = speed-up of deephash):"
    echo
    echo "| in | out | side | k | s | forward PyTorch | forward deephash | ratio | dX PyTorch | dX deephash | ratio | dW PyTorch | dW deephash | ratio |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    paste -d'#' <(grep -E '^\| [0-9]' <<<"$torch") <(grep -E '^\| [0-9]' <<<"$ours") | awk -F'[|#]' '
        function r(a, b) { return sprintf("%.2f×", a / b) }
        { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
            $2 + 0, $3 + 0, $4 + 0, $5 + 0, $6 + 0, $7 + 0, $20 + 0, r($7, $20),
            $9 + 0, $22 + 0, r($9, $22), $11 + 0, $24 + 0, r($11, $24) }'
}

echo "| backbone | batch | mode | PyTorch img/s | deephash img/s | deephash / PyTorch | PyTorch peak MiB | deephash peak MiB |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
for case in "${cases[@]}"; do
    if [[ $case == layers ]]; then
        layer_table
        continue
    fi
    IFS=: read -r backbone batch mode <<<"$case"
    flag=()
    [[ $mode == train ]] && flag=(--train)
    torch_out=$(measured "$PYTHON" scripts/bench_torch_model.py --backbone "$backbone" \
        --batch "$batch" --iters "$ITERS" --threads "$THREADS" "${flag[@]}")
    ours_out=$(measured "$DEEPHASH" bench model --backbone "$backbone" --batch "$batch" \
        --iters "$ITERS" "${flag[@]}")
    torch=$(rate <<<"$torch_out") ours=$(rate <<<"$ours_out")
    ratio=$(awk -v a="$ours" -v b="$torch" 'BEGIN { printf "%.2f", a / b }')
    echo "| $backbone | $batch | $mode | $torch | $ours | ${ratio}× | $(peak <<<"$torch_out") | $(peak <<<"$ours_out") |"
done
