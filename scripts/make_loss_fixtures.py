#!/usr/bin/env python3
"""Writes the triplet-loss parity fixtures for crates/deephash-train/tests/loss_parity.rs.

Reference values and gradients come from plain PyTorch formulas written triplet by
triplet (the seed's definition), not from a vectorised implementation, so the Rust
vectorised code is checked against an independent computation.

Usage (torch==2.9.0):
    python scripts/make_loss_fixtures.py crates/deephash-train/tests/fixtures/loss.json
"""
import json
import sys

import torch

torch.manual_seed(20240607)


def sq(a, b):
    return ((a - b) ** 2).sum()


def share(x, y):
    return len(set(x) & set(y)) > 0


def all_triplets(h, sets, margin):
    n = h.shape[0]
    terms = []
    for a in range(n):
        for p in range(n):
            if p == a or not share(sets[a], sets[p]):
                continue
            for q in range(n):
                if share(sets[a], sets[q]) or q == a:
                    continue
                terms.append(torch.relu(sq(h[a], h[p]) - sq(h[a], h[q]) + margin))
    return torch.stack(terms).mean()


def batch_hard(h, sets, margin):
    n = h.shape[0]
    terms = []
    for a in range(n):
        pos = [p for p in range(n) if p != a and share(sets[a], sets[p])]
        neg = [q for q in range(n) if q != a and not share(sets[a], sets[q])]
        if not pos or not neg:
            continue
        hp = torch.stack([sq(h[a], h[p]) for p in pos]).max()
        hn = torch.stack([sq(h[a], h[q]) for q in neg]).min()
        terms.append(torch.relu(hp - hn + margin))
    return torch.stack(terms).mean()


def semi_hard(h, sets, margin):
    n = h.shape[0]
    terms = []
    for a in range(n):
        neg = [q for q in range(n) if q != a and not share(sets[a], sets[q])]
        if not neg:
            continue
        for p in range(n):
            if p == a or not share(sets[a], sets[p]):
                continue
            dap = sq(h[a], h[p])
            dneg = torch.stack([sq(h[a], h[q]) for q in neg])
            farther = dneg[dneg.detach() > dap.detach()]
            dan = farther.min() if farther.numel() > 0 else dneg.max()
            terms.append(torch.relu(dap - dan + margin))
    return torch.stack(terms).mean()


def quantization(h):
    return ((h.abs() - 1) ** 2).mean()


def case(name, n, bits, sets, margin, quant_weight):
    u = torch.randn(n, bits) * 1.5
    out = {"name": name, "n": n, "bits": bits, "labels": sets, "margin": margin,
           "quantization_weight": quant_weight,
           "h": torch.tanh(u).flatten().tolist(), "expected": {}}
    for mining, fn in [("all", all_triplets), ("batch-hard", batch_hard),
                       ("semi-hard", semi_hard)]:
        h = torch.tanh(u).detach().requires_grad_(True)
        loss = fn(h, sets, margin) + quant_weight * quantization(h)
        loss.backward()
        out["expected"][mining] = {"loss": loss.item(), "grad": h.grad.flatten().tolist()}
    return out


def main():
    path = sys.argv[1]
    single = [[i % 4] for i in range(24)]
    multi = [sorted({i % 5, (i * 7) % 6 + 5} if i % 3 else {i % 5}) for i in range(16)]
    cases = [
        case("single-label 16 bits", 24, 16, single, 8.0, 0.0),
        case("single-label 64 bits + quantization", 24, 64, single, 20.0, 0.5),
        case("multi-label 32 bits", 16, 32, multi, 12.0, 0.0),
    ]
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
