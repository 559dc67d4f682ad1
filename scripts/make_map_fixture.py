#!/usr/bin/env python3
"""Writes the mAP parity fixture of deephash-metrics from the numpy peer benchmark.

Usage (from the repository root, with numpy installed, e.g. peers-venv):
    peers-venv/bin/python scripts/make_map_fixture.py [PATH/TO/map_eval.py]

Runs ../shared/bench/map_eval.py (the reference: numpy, stable argsort) on a small
case (200 queries x 300 database items, 64 bits, 10 classes), once over the whole
ranking and once with TOPK=50, copies the four .npy files it writes into
crates/deephash-metrics/tests/fixtures/ and records in expected.json both the
values the script prints (6 decimals) and the same computation redone here at
full precision (the loop of map_eval.py, unchanged, on the saved files).
The Rust test tests/parity.rs checks deephash's mAP against both.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

NQ, NDB, BITS, CLASSES, TOPK = 200, 300, 64, 10, 50
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "deephash-metrics", "tests", "fixtures")
NAMES = ["query_codes", "query_labels", "db_codes", "db_labels"]


def run_peer(script, out_dir, topk):
    """Runs map_eval.py and returns the mAP it prints."""
    args = [sys.executable, script, str(NQ), str(NDB), str(BITS), str(CLASSES), out_dir, str(topk)]
    line = subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()
    print(line)
    return float(re.search(r"map=([0-9.]+)", line).group(1))


def full_precision_map(d, topk):
    """The loop of map_eval.py on the saved files, returning the float64 mean."""
    qb = np.unpackbits(np.load(os.path.join(d, "query_codes.npy")), axis=1)
    db = np.unpackbits(np.load(os.path.join(d, "db_codes.npy")), axis=1)
    q_labels = np.load(os.path.join(d, "query_labels.npy"))
    d_labels = np.load(os.path.join(d, "db_labels.npy"))
    qs = qb.astype(np.float32) * 2 - 1
    ds = db.astype(np.float32) * 2 - 1
    aps = []
    for i in range(len(qs)):
        ham = 0.5 * (BITS - ds @ qs[i])
        order = np.argsort(ham, kind="stable")
        if topk:
            order = order[:topk]
        rel = (d_labels[order] == q_labels[i]).astype(np.float64)
        nrel = rel.sum()
        if nrel == 0:
            aps.append(0.0)
            continue
        prec = np.cumsum(rel) / np.arange(1, len(rel) + 1)
        aps.append(float((prec * rel).sum() / nrel))
    return float(np.mean(aps))


def main():
    script = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "bench", "map_eval.py")
    with tempfile.TemporaryDirectory() as tmp:
        printed_all = run_peer(script, tmp, 0)
        printed_topk = run_peer(script, tmp, TOPK)  # same seed: the same files again
        os.makedirs(OUT, exist_ok=True)
        for name in NAMES:
            shutil.copyfile(os.path.join(tmp, name + ".npy"), os.path.join(OUT, name + ".npy"))
    expected = {
        "generator": f"map_eval.py {NQ} {NDB} {BITS} {CLASSES} DIR [{TOPK}]",
        "map_printed": printed_all,
        "map": full_precision_map(OUT, 0),
        "topk": TOPK,
        "map_at_k_printed": printed_topk,
        "map_at_k": full_precision_map(OUT, TOPK),
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
