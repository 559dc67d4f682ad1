#!/usr/bin/env bash
# Small-data benchmark of the losses (docs/training.md, "Small data"): Fashion-MNIST subsets of
# the bundled data (the first N images of each class of each split), every loss x 16/64 bits,
# on two routes: heads on a frozen backbone (the 64-bit small CNN of `deephash demo`, trained on
# the whole bundled training split) and the small CNN trained from scratch on the subset.
#
# Usage: scripts/bench_small_data.sh DEEPHASH_BINARY BACKBONE_RUN OUT_DIR [N...]
# Prints one line per run: route N bits loss test-mAP seconds (and the selected loss).
set -euo pipefail
bin=$1 base=$2 out=$3
shift 3
sizes=${*:-10 20}
mkdir -p "$out"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
echo "# $(date -u +%FT%TZ) $cpu, $(nproc) cores"
one() { # route n bits loss args...
  local route=$1 n=$2 bits=$3 loss=$4
  shift 4
  local run="$out/$route-n$n-b$bits-$loss"
  rm -rf "$run"
  local t0=$(date +%s.%N)
  local text
  text=$("$bin" train --dataset fashion-mnist --backbone small-cnn --max-per-class "$n" \
    --bits "$bits" --seed 0 --quiet --cache-dir "$out/.cache" --out "$run" "$@" 2>/dev/null)
  local t1=$(date +%s.%N)
  local map
  map=$(python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['map'])" "$run/metrics.json")
  local chosen
  chosen=$(echo "$text" | grep -o 'selected by [^:]*mAP: .*' || true)
  printf '%s\t%s\t%s\t%s\t%s\t%.1f s\t%s\n' "$route" "$n" "$bits" "$loss" "$map" \
    "$(echo "$t1 - $t0" | bc)" "$chosen"
}
for n in $sizes; do
  for bits in 16 64; do
    for loss in triplet csq orthohash auto; do
      extra=()
      [ "$loss" != auto ] && extra=(--loss "$loss")
      one frozen "$n" "$bits" "$loss" --mode frozen --weights "$base" "${extra[@]}"
    done
    for loss in triplet csq orthohash; do
      one scratch "$n" "$bits" "$loss" --loss "$loss"
    done
  done
done
