#!/usr/bin/env python3
"""PyTorch reference heads on frozen backbone features (issue 13's two reference recipes), for
the small-data benchmark in docs/training.md ("Real photos, frozen ImageNet backbone").

Inputs are the features deephash itself computes (`deephash features --images DIR/train` and
`--images DIR/test`: .npy, N x D float32, with the image paths in the .txt beside it); the class
is the folder above each image. Optionally `--cache FILE` (the run's feature cache,
CACHE/features/<hash>-eval.f32: one JSON header line, then float32 little-endian) is checked to
hold the same training rows, so both sides train on the same numbers.

Recipes (both full-batch Adam lr 1e-3, 300 steps, features standardised per dimension over the
training rows, a Linear -> tanh head; torch.manual_seed(seed)):
- triplet: batch-all triplet loss on squared Euclidean distances of the tanh outputs, margin
  bits/4, the mean over all valid (anchor, positive, negative) triplets;
- csq: CSQ-style hash centres, one Hadamard row per class (rows of [H; -H] beyond `bits`
  classes), binary cross entropy of (u+1)/2 to (c+1)/2, quantisation 1e-4 * mean((|u|-1)^2),
  dropout 0.2 on the (standardised) features while training.

The head trains on every training image (no validation split; fixed recipe, nothing chosen).
Evaluation as deephash's (docs/metrics.md): codes = (u > 0), test queries ranked against the
whole training split by Hamming distance, ties by database index (stable sort), relevant =
same class, mAP@all. Prints one JSON line per recipe.

    .venv-torch/bin/python scripts/ref_frozen_heads.py --train TRAIN.npy --test TEST.npy --bits 16
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch


def load(npy):
    x = np.load(npy).astype(np.float32)
    paths = Path(npy).with_suffix(".txt").read_text().splitlines()
    assert len(paths) == len(x), f"{npy}: {len(x)} rows, {len(paths)} paths"
    classes = [Path(p).parent.name for p in paths]
    return x, classes, paths


def check_cache(cache, x):
    raw = Path(cache).read_bytes()
    end = raw.index(b"\n")
    header = json.loads(raw[:end])
    table = np.frombuffer(raw[end + 1 :], dtype="<f4").reshape(header["rows"], header["dim"])
    assert table.shape == x.shape, f"cache {table.shape} vs features {x.shape}"
    diff = float(np.abs(table - x).max())
    assert diff <= 1e-4 * max(1.0, float(np.abs(x).max())), f"cache differs by {diff}"
    return diff


def hadamard(n):
    h = np.ones((1, 1), dtype=np.float32)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def centres(classes, bits):
    h = hadamard(bits)
    rows = np.concatenate([h, -h])
    assert classes <= len(rows), f"{classes} classes, {len(rows)} Hadamard rows"
    return torch.from_numpy(rows[:classes].copy())


def triplet_loss(u, y, margin):
    d = ((u[:, None, :] - u[None, :, :]) ** 2).sum(-1)
    same = y[:, None] == y[None, :]
    eye = torch.eye(len(y), dtype=torch.bool)
    pos = same & ~eye
    neg = ~same
    valid = pos[:, :, None] & neg[:, None, :]
    losses = torch.relu(d[:, :, None] - d[:, None, :] + margin) * valid
    return losses.sum() / valid.sum().clamp(min=1)


def csq_loss(u, y, c, quant=1e-4):
    target = (c[y] + 1) / 2
    p = ((u + 1) / 2).clamp(1e-7, 1 - 1e-7)
    bce = torch.nn.functional.binary_cross_entropy(p, target)
    return bce + quant * ((u.abs() - 1) ** 2).mean()


def train(recipe, x, y, bits, seed, steps=300, lr=1e-3):
    torch.manual_seed(seed)
    head = torch.nn.Linear(x.shape[1], bits)
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    c = centres(int(y.max()) + 1, bits) if recipe == "csq" else None
    drop = torch.nn.Dropout(0.2)
    for _ in range(steps):
        if recipe == "triplet":
            loss = triplet_loss(torch.tanh(head(x)), y, bits / 4)
        else:
            loss = csq_loss(torch.tanh(head(drop(x))), y, c)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return head


def mean_ap(q, qy, db, dby):
    aps = []
    for code, label in zip(q, qy):
        dist = (code[None, :] != db).sum(1)
        order = np.argsort(dist, kind="stable")
        rel = dby[order] == label
        if not rel.any():
            aps.append(0.0)
            continue
        hits = np.cumsum(rel)
        ranks = np.arange(1, len(rel) + 1)
        aps.append(float((hits[rel] / ranks[rel]).mean()))
    return float(np.mean(aps))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--bits", type=int, required=True)
    ap.add_argument("--cache", help="the run's cached training features, checked equal")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--recipes", default="triplet,csq")
    args = ap.parse_args()
    torch.set_num_threads(1)
    xtr, ctr, _ = load(args.train)
    xte, cte, _ = load(args.test)
    if args.cache:
        check_cache(args.cache, xtr)
    names = sorted(set(ctr) | set(cte))
    ytr = np.array([names.index(c) for c in ctr])
    yte = np.array([names.index(c) for c in cte])
    mean, std = xtr.mean(0), xtr.std(0)
    std[std == 0] = 1
    ftr = torch.from_numpy((xtr - mean) / std)
    fte = torch.from_numpy((xte - mean) / std)
    for recipe in args.recipes.split(","):
        t0 = time.perf_counter()
        head = train(recipe, ftr, torch.from_numpy(ytr), args.bits, args.seed).eval()
        seconds = time.perf_counter() - t0
        with torch.no_grad():
            qc = (head(fte) > 0).numpy()
            dbc = (head(ftr) > 0).numpy()
        result = {"recipe": recipe, "bits": args.bits, "seed": args.seed,
                  "map": round(mean_ap(qc, yte, dbc, ytr), 4), "train_s": round(seconds, 2)}
        print(json.dumps(result))


if __name__ == "__main__":
    main()
