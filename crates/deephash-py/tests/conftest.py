"""Shared fixtures of the deephash Python tests: numpy references and the CLI."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]


def find_cli():
    """The `deephash` binary: $DEEPHASH_CLI, else the workspace's target/ build, else PATH."""
    if os.environ.get("DEEPHASH_CLI"):
        return os.environ["DEEPHASH_CLI"]
    for profile in ("debug", "release"):
        path = REPO / "target" / profile / "deephash"
        if path.is_file():
            return str(path)
    return shutil.which("deephash")


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI; returns (returncode, stdout, stderr). Skips when there is no
    binary, unless DEEPHASH_REQUIRE_CLI=1 (scripts/test.sh), where that fails."""
    exe = find_cli()
    if exe is None:
        if os.environ.get("DEEPHASH_REQUIRE_CLI") == "1":
            pytest.fail("no deephash binary (DEEPHASH_REQUIRE_CLI=1): build deephash-cli first")
        pytest.skip("no deephash binary: set DEEPHASH_CLI or build deephash-cli")

    def run(*args):
        p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    return run


def hamming(q_bits, d_bits):
    """All pairwise Hamming distances of 0/1 matrices, (nq, nd) int64."""
    q = q_bits.astype(np.int64)
    d = d_bits.astype(np.int64)
    return q.shape[1] - (q @ d.T + (1 - q) @ (1 - d).T)


def clustered_codes(rng, n, bits, classes, flip=0.2):
    """Label-correlated codes (as the peer script shared/bench/map_eval.py (beside the repository)): a prototype per
    class, each bit flipped with probability `flip`. Returns (bits 0/1 uint8, labels)."""
    protos = rng.integers(0, 2, size=(classes, bits), dtype=np.uint8)
    labels = rng.integers(0, classes, size=n)
    flips = (rng.random((n, bits)) < flip).astype(np.uint8)
    return protos[labels] ^ flips, labels.astype(np.int64)
