#!/usr/bin/env bash
# A/B benchmark of two deephash binaries (or two settings of one), interleaved ROUNDS times so
# that both see the same machine load: `deephash bench model` for each case, printing per run
# the images per second and the process's CPU time (user + system, from /usr/bin/time; less
# sensitive to the load of a shared machine than wall time), and the median ratios B / A.
#
# Usage, from the repository root:  scripts/bench_binaries_ab.sh A B [CASE ...]
# A and B are commands, e.g. target/release/deephash.base and target/release/deephash, or
# "env DEEPHASH_CONV_KERNEL=0 target/release/deephash". A CASE is BACKBONE:BATCH:MODE with
# MODE infer or train (default: resnet18:32:infer small-cnn:80:infer).
# Environment (optional): ITERS timed batches per run (default 3), ROUNDS (default 3),
# THREADS (RAYON_NUM_THREADS, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
a_cmd=$1 b_cmd=$2
shift 2
ITERS=${ITERS:-3}
ROUNDS=${ROUNDS:-3}
export RAYON_NUM_THREADS=${THREADS:-2}
cases=("$@")
[[ ${#cases[@]} -eq 0 ]] && cases=(resnet18:32:infer small-cnn:80:infer)
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Prints "IMG_PER_S CPU_SECONDS" of one run.
one() {
    local cmd=$1 backbone=$2 batch=$3 mode=$4 out flag=()
    [[ $mode == train ]] && flag=(--train)
    out=$( { /usr/bin/time -f "cpu=%U+%S" $cmd bench model --backbone "$backbone" \
        --batch "$batch" --iters "$ITERS" "${flag[@]}"; } 2>&1)
    local rate cpu
    rate=$(sed -nE 's/.*img_per_s=([0-9.]+).*/\1/p' <<<"$out")
    cpu=$(sed -nE 's/.*cpu=([0-9.]+)\+([0-9.]+).*/\1 \2/p' <<<"$out" | awk '{ printf "%.2f", $1 + $2 }')
    echo "$rate $cpu"
}
echo "A: $a_cmd"
echo "B: $b_cmd"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| backbone | batch | mode | A img/s (runs) | B img/s (runs) | median B/A img/s | A CPU s | B CPU s | median A/B CPU |"
echo "|---|---:|---|---|---|---:|---|---|---:|"
for case in "${cases[@]}"; do
    IFS=: read -r backbone batch mode <<<"$case"
    ar=() br=() ac=() bc=() rate_ratio=() cpu_ratio=()
    for _ in $(seq "$ROUNDS"); do
        read -r r1 c1 < <(one "$a_cmd" "$backbone" "$batch" "$mode")
        read -r r2 c2 < <(one "$b_cmd" "$backbone" "$batch" "$mode")
        ar+=("$r1") br+=("$r2") ac+=("$c1") bc+=("$c2")
        rate_ratio+=("$(awk -v a="$r1" -v b="$r2" 'BEGIN { printf "%.3f", b / a }')")
        cpu_ratio+=("$(awk -v a="$c1" -v b="$c2" 'BEGIN { printf "%.3f", a / b }')")
    done
    echo "| $backbone | $batch | $mode | ${ar[*]} | ${br[*]} | $(printf '%s\n' "${rate_ratio[@]}" | median)× | ${ac[*]} | ${bc[*]} | $(printf '%s\n' "${cpu_ratio[@]}" | median)× |"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
