#!/usr/bin/env bash
# A/B benchmark of deephash's own convolution (deephash-kernels) against burn's, in one binary:
# `deephash bench model` with DEEPHASH_CONV_KERNEL=0 (burn's conv2d; in training also burn's
# generic backward) and =1 (the kernels; in training the hand-written backward), interleaved
# ROUNDS times so that both see the same machine load. Prints each run and the median ratio.
#
# Usage, from the repository root:  scripts/bench_conv_kernel_ab.sh [CASE ...]
# A CASE is BACKBONE:BATCH:MODE with MODE infer or train (default: the two training cases).
# Environment (all optional): DEEPHASH (default: target/release/deephash, built here),
# ITERS timed batches per run (default 3), ROUNDS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
ITERS=${ITERS:-3}
ROUNDS=${ROUNDS:-3}
if [[ -z "${DEEPHASH:-}" ]]; then
    cargo build --release -q -p deephash-cli
    DEEPHASH=target/release/deephash
fi
cases=("$@")
[[ ${#cases[@]} -eq 0 ]] && cases=(small-cnn:80:train resnet18:16:train)
rate() { sed -nE 's/.*img_per_s=([0-9.]+).*/\1/p'; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| backbone | batch | mode | burn img/s (runs) | kernels img/s (runs) | median kernels / burn |"
echo "|---|---:|---|---|---|---:|"
for case in "${cases[@]}"; do
    IFS=: read -r backbone batch mode <<<"$case"
    flag=()
    [[ $mode == train ]] && flag=(--train)
    old=() new=() ratios=()
    for _ in $(seq "$ROUNDS"); do
        a=$(DEEPHASH_CONV_KERNEL=0 "$DEEPHASH" bench model --backbone "$backbone" --batch "$batch" \
            --iters "$ITERS" "${flag[@]}" | rate)
        b=$(DEEPHASH_CONV_KERNEL=1 "$DEEPHASH" bench model --backbone "$backbone" --batch "$batch" \
            --iters "$ITERS" "${flag[@]}" | rate)
        old+=("$a") new+=("$b")
        ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')")
    done
    median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "| $backbone | $batch | $mode | ${old[*]} | ${new[*]} | ${median}× |"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
