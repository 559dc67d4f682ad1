#!/usr/bin/env bash
# Side-by-side Hamming k-NN benchmark: faiss IndexBinaryFlat (../shared/bench/faiss_hamming.py,
# which also writes the code files) against `deephash bench hamming` on the same files.
#
# Usage: scripts/bench_hamming.sh [N] [Q] [K]          (defaults 1000000 1000 100)
# Env:   BITS="16 64 256"  THREADS="1 2"  PEERS=../shared/bench  PY=peers-venv/bin/python
#        DEEPHASH=target/release/deephash  DATA=<scratch dir, default: mktemp -d>
# Needs: python3 -m venv peers-venv && peers-venv/bin/pip install faiss-cpu numpy
#        cargo build --release -p deephash-cli --no-default-features
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
Q=${2:-1000}
K=${3:-100}
BITS=${BITS:-"16 64 256"}
THREADS=${THREADS:-"1 2"}
PEERS=${PEERS:-../shared/bench}
PY=${PY:-peers-venv/bin/python}
DEEPHASH=${DEEPHASH:-${CARGO_TARGET_DIR:-target}/release/deephash}
DATA=${DATA:-$(mktemp -d)}
echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# flags: $(grep -o -w 'avx2\|avx512f\|avx512_vpopcntdq\|popcnt' /proc/cpuinfo | sort -u | xargs)"
echo "# N=$N Q=$Q k=$K data=$DATA"
for bits in $BITS; do
  dir="$DATA/b$bits"
  for t in $THREADS; do
    # faiss writes db.npy / queries.npy (same seed every time) and prints its qps.
    faiss_line=$("$PY" "$PEERS/faiss_hamming.py" "$N" "$bits" "$Q" "$K" "$t" "$dir")
    dh_out=$("$DEEPHASH" bench hamming --db "$dir/db.npy" --queries "$dir/queries.npy" -k "$K" --threads "$t")
    faiss_qps=${faiss_line##*qps=}
    dh_qps=$(tail -n1 <<<"$dh_out"); dh_qps=${dh_qps#qps=}
    ratio=$(awk -v a="$dh_qps" -v b="$faiss_qps" 'BEGIN { printf "%.2f", a / b }')
    echo "bits=$bits threads=$t faiss_qps=$faiss_qps deephash_qps=$dh_qps ratio=$ratio"
    echo "  $faiss_line"
    echo "  $(head -n1 <<<"$dh_out")"
  done
done

# MIH vs scan on clustered codes (1,000 centres, each bit flipped with p = 1/16), 64 bits.
if [[ "${CLUSTERED:-1}" == 1 ]]; then
  dir="$DATA/clustered64"
  mkdir -p "$dir"
  "$PY" - "$N" "$Q" "$dir" <<'PY'
import sys, numpy as np
n, q, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(7)
centres = rng.integers(0, 2, size=(1000, 64), dtype=np.uint8)
def draw(m):
    bits = centres[rng.integers(0, 1000, size=m)] ^ (rng.random((m, 64)) < 1 / 16)
    return np.packbits(bits.astype(np.uint8), axis=1)
np.save(f"{out}/db.npy", draw(n)); np.save(f"{out}/queries.npy", draw(q))
PY
  for index in scan mih; do
    for t in $THREADS; do
      out=$("$DEEPHASH" bench hamming --db "$dir/db.npy" --queries "$dir/queries.npy" -k "$K" --threads "$t" --index "$index")
      echo "clustered bits=64 index=$index threads=$t $(tail -n1 <<<"$out")"
    done
  done
fi
