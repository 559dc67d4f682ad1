#!/usr/bin/env bash
# Small-data benchmark on real photos with a frozen ImageNet backbone (docs/training.md, "Real
# photos, frozen ImageNet backbone"): for every draw made by scripts/make_fashion_draws.py, the
# default `deephash train` (loss chosen by validation) and each --loss at 16 and 64 bits on
# frozen EfficientNet-Lite0 features, and the PyTorch reference heads of
# scripts/ref_frozen_heads.py on the same features (exported with `deephash features`, checked
# equal to the run's feature cache).
#
# Usage: scripts/bench_real_photos.sh DEEPHASH_BINARY WEIGHTS DRAWS_ROOT OUT_DIR [SIZES] [DRAWS] [LOSSES]
#   SIZES default "12", DRAWS default "0 1 2 3 4", LOSSES default "default triplet csq orthohash"
#   (DRAWS_ROOT/n<SIZE>/draw<D>/ as made by make_fashion_draws.py; PYTHON: default .venv-torch/bin/python;
#   TRAIN_ARGS: more `deephash train` flags for every run, e.g. "--feature-power 1")
# Prints one tab-separated line per result: n draw bits method test-mAP seconds [chosen loss].
set -euo pipefail
bin=$1 weights=$2 draws_root=$3 out=$4
sizes=${5:-12} draws=${6:-0 1 2 3 4} losses=${7:-default triplet csq orthohash}
python=${PYTHON:-.venv-torch/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
echo "# $(date -u +%FT%TZ) $cpu, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
common=(--dataset folder --backbone efficientnet-lite0 --weights "$weights" --seed 0 --quiet)
read -r -a train_args <<< "${TRAIN_ARGS:-}"
common+=("${train_args[@]}")
for n in $sizes; do
  for d in $draws; do
    data="$draws_root/n$n/draw$d" cache="$out/cache-n$n-d$d"
    for bits in 16 64; do
      for loss in $losses; do
        run="$out/n$n-d$d-b$bits-$loss"
        rm -rf "$run"
        extra=()
        [ "$loss" != default ] && extra=(--loss "$loss")
        t0=$(date +%s.%N)
        text=$("$bin" train "${common[@]}" --data-dir "$data" --bits "$bits" \
          --cache-dir "$cache" --out "$run" "${extra[@]}" 2>/dev/null)
        t1=$(date +%s.%N)
        map=$("$python" -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['map'])" \
          "$run/metrics.json")
        chosen=$(echo "$text" | grep -o 'selected by [^:]*: .*' || true)
        printf '%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n' "$n" "$d" "$bits" "$loss" "$map" \
          "$(echo "$t1 - $t0" | bc)" "$chosen"
      done
    done
    feats="$out/features-n$n-d$d"
    mkdir -p "$feats"
    for split in train test; do
      [ -f "$feats/$split.npy" ] || "$bin" features --backbone efficientnet-lite0 \
        --weights "$weights" --images "$data/$split" --out "$feats/$split.npy" >/dev/null 2>&1
    done
    cached=$(ls "$cache"/features/*-eval.f32 | head -1)
    for bits in 16 64; do
      "$python" "$here/ref_frozen_heads.py" --train "$feats/train.npy" --test "$feats/test.npy" \
        --bits "$bits" --cache "$cached" |
        "$python" -c "
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print('$n\t$d\t%d\tref-%s\t%.4f\t%.1f\t' % (r['bits'], r['recipe'], r['map'], r['train_s']))"
    done
  done
done
