#!/usr/bin/env bash
# Benchmark: network throughput of `deephash bench model` against PyTorch on the same machine,
# one case after the other (scripts/bench_torch_model.py does the same work in PyTorch).
#
# Usage, from the repository root:  scripts/bench_model.sh [CASE ...]
# A CASE is BACKBONE:BATCH:MODE with MODE infer or train (default: the cases below).
# Environment (all optional):
#   PYTHON    python with torch==2.9.0 and torchvision==0.24.0   (default: .venv-torch/bin/python)
#   DEEPHASH  the deephash binary     (default: target/release/deephash, built here)
#   THREADS   PyTorch threads          (default: the number of cores, as rayon uses)
#   ITERS     timed batches per case   (default: 3)
#
# Prints one markdown row per case: images/s of both and the ratio deephash / PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv-torch/bin/python}
THREADS=${THREADS:-$(nproc)}
ITERS=${ITERS:-3}
if [[ -z "${DEEPHASH:-}" ]]; then
    cargo build --release -q -p deephash-cli
    DEEPHASH=target/release/deephash
fi
cases=("$@")
if [[ ${#cases[@]} -eq 0 ]]; then
    cases=(small-cnn:80:infer small-cnn:80:train resnet18:32:infer resnet18:16:train
        resnet50:32:infer efficientnet-lite0:32:infer)
fi
rate() { sed -nE 's/.*img_per_s=([0-9.]+).*/\1/p'; }
echo "| backbone | batch | mode | PyTorch img/s | deephash img/s | deephash / PyTorch |"
echo "|---|---:|---|---:|---:|---:|"
for case in "${cases[@]}"; do
    IFS=: read -r backbone batch mode <<<"$case"
    flag=()
    [[ $mode == train ]] && flag=(--train)
    torch=$("$PYTHON" scripts/bench_torch_model.py --backbone "$backbone" --batch "$batch" \
        --iters "$ITERS" --threads "$THREADS" "${flag[@]}" | rate)
    ours=$("$DEEPHASH" bench model --backbone "$backbone" --batch "$batch" --iters "$ITERS" \
        "${flag[@]}" | rate)
    ratio=$(awk -v a="$ours" -v b="$torch" 'BEGIN { printf "%.2f", a / b }')
    echo "| $backbone | $batch | $mode | $torch | $ours | ${ratio}× |"
done
