#!/usr/bin/env bash
# Benchmark: `deephash eval` (whole process) against the numpy peer map_eval.py.
#
# Usage, from the repository root:  scripts/bench_eval.sh
# Environment (all optional):
#   PYTHON    python with numpy        (default: peers-venv/bin/python)
#   MAP_EVAL  the peer script          (default: ../shared/bench/map_eval.py)
#   DATA      folder for the data      (default: target-bench-eval, git-ignored)
#   CARGO_TARGET_DIR                   (default: target)
#
# The peer writes the CUB-200-sized case (5,794 queries x 5,994 database items,
# 64 bits, 200 classes) and prints the seconds of its own mAP loop (data
# generation and file writing excluded). deephash is timed as a whole process
# (start, reading the four .npy files, every metric, JSON out) with hyperfine if
# installed, else best of 10 with `date`. Target: deephash <= 1/30 of the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-peers-venv/bin/python}
MAP_EVAL=${MAP_EVAL:-../shared/bench/map_eval.py}
DATA=${DATA:-target-bench-eval}
TARGET=${CARGO_TARGET_DIR:-target}

cargo build --release -q -p deephash-cli --no-default-features
BIN="$TARGET/release/deephash"

echo "== peer: $MAP_EVAL 5794 5994 64 200 (numpy $("$PYTHON" -c 'import numpy; print(numpy.__version__)'))"
peer=$("$PYTHON" "$MAP_EVAL" 5794 5994 64 200 "$DATA")
echo "$peer"
peer_map=$(sed -E 's/.*map=([0-9.]+).*/\1/' <<<"$peer")
peer_seconds=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$peer")

args=(eval --query-codes "$DATA/query_codes.npy" --query-labels "$DATA/query_labels.npy"
      --db-codes "$DATA/db_codes.npy" --db-labels "$DATA/db_labels.npy" --json)
ours=$("$BIN" "${args[@]}")
ours_map=$(python3 -c 'import json,sys; print("%.6f" % json.loads(sys.argv[1])["map"])' "$ours")
echo "== mAP: peer $peer_map, deephash $ours_map"

echo "== deephash eval, whole process ($(nproc) CPUs)"
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 20 --export-json "$DATA/hyperfine.json" "$BIN ${args[*]}"
    ours_seconds=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' \
        "$DATA/hyperfine.json")
else
    ours_seconds=1e9
    for _ in $(seq 10); do
        start=$(date +%s.%N)
        "$BIN" "${args[@]}" >/dev/null
        ours_seconds=$(python3 -c "print(min($ours_seconds, $(date +%s.%N) - $start))")
    done
fi
python3 - "$peer_seconds" "$ours_seconds" <<'PY'
import sys
peer, ours = float(sys.argv[1]), float(sys.argv[2])
print(f"peer loop {peer:.3f} s, deephash eval {ours:.4f} s (whole process): "
      f"{peer / ours:.1f}x faster (target >= 30x: {'met' if peer / ours >= 30 else 'NOT met'})")
PY
