#!/usr/bin/env python3
"""Writes the hash-centre loss parity fixtures for
crates/deephash-train/tests/centre_loss_parity.rs (CSQ and OrthoHash).

Reference values and gradients come from the published PyTorch formulations, written here
independently of the Rust code:
- CSQ (Yuan et al., CVPR 2020; as in DeepHash-pytorch's CSQ.py): centre = row of [H; -H]
  (Sylvester Hadamard, scipy.linalg.hadamard's order) per class; multi-label centre = sign of
  the sum of the label centres with a fixed random code where the sum is 0;
  loss = BCELoss(0.5 * (h + 1), 0.5 * (c + 1)) + lambda * mean((|h| - 1)^2).
- OrthoHash (Hoe et al., NeurIPS 2021; as in the reference OrthoHashLoss, m_type 'cos'):
  logits = s * (cos(h, centres) - m * y); single label: F.cross_entropy; multi-label: the
  'label_smoothing' form -(y / |y| * log_softmax(logits)).sum(1).mean().
The random-centre cases store their centres (drawn here with torch) in the fixture; the
Hadamard cases store them too, and the Rust test checks it builds the same ones.

Usage (torch==2.9.0):
    python scripts/make_centre_loss_fixtures.py \
        crates/deephash-train/tests/fixtures/centre_loss.json
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(20261130)


def sylvester(n):
    h = torch.ones(1, 1)
    while h.shape[0] < n:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h


def hadamard_centres(classes, bits):
    h = sylvester(bits)
    return torch.cat([h, -h], 0)[:classes]


def random_centres(classes, bits):
    return torch.bernoulli(torch.full((classes, bits), 0.5)) * 2 - 1


def targets(sets, centres, tie_break):
    rows = []
    for s in sets:
        total = torch.zeros(centres.shape[1])
        for label in s:
            total = total + centres[label]
        rows.append(torch.where(total == 0, tie_break, torch.sign(total)))
    return torch.stack(rows)


def csq(h, sets, centres, tie_break, lam):
    c = targets(sets, centres, tie_break)
    centre = torch.nn.BCELoss()(0.5 * (h + 1), 0.5 * (c + 1))
    return centre + lam * ((h.abs() - 1) ** 2).mean()


def orthohash(h, sets, centres, s, m, lam):
    logits = F.normalize(h, p=2, dim=-1) @ F.normalize(centres, p=2, dim=-1).t()
    y = torch.zeros(h.shape[0], centres.shape[0])
    for i, labels in enumerate(sets):
        y[i, labels] = 1.0
    margin_logits = s * (logits - m * y)
    if all(len(labels) == 1 for labels in sets):
        ce = F.cross_entropy(margin_logits, torch.tensor([labels[0] for labels in sets]))
    else:
        ce = -(y / y.sum(1, keepdim=True) * F.log_softmax(margin_logits, dim=1)).sum(1).mean()
    return ce + lam * ((h.abs() - 1) ** 2).mean()


def value_and_grad(fn, u):
    h = torch.tanh(u).detach().requires_grad_(True)
    loss = fn(h)
    loss.backward()
    return {"loss": loss.item(), "grad": h.grad.flatten().tolist()}


def case(name, n, bits, classes, sets, hadamard, lam, s, m):
    centres = hadamard_centres(classes, bits) if hadamard else random_centres(classes, bits)
    tie_break = random_centres(1, bits)[0]
    u = torch.randn(n, bits) * 1.5
    return {
        "name": name, "n": n, "bits": bits, "classes": classes, "labels": sets,
        "hadamard": hadamard, "centres": centres.flatten().tolist(),
        "tie_break": tie_break.tolist(), "quantization_weight": lam, "scale": s,
        "cos_margin": m, "h": torch.tanh(u).flatten().tolist(),
        "expected": {
            "csq": value_and_grad(lambda h: csq(h, sets, centres, tie_break, lam), u),
            "orthohash": value_and_grad(
                lambda h: orthohash(h, sets, centres, s, m, lam), u),
        },
    }


def main():
    path = sys.argv[1]
    single = [[i % 6] for i in range(24)]
    many = [[i % 40] for i in range(48)]
    multi = [sorted({i % 5, (i * 7) % 6 + 5} if i % 3 else {i % 5}) for i in range(16)]
    cases = [
        case("single-label 16 bits, Hadamard", 24, 16, 6, single, True, 0.0, 8.0, 0.2),
        case("single-label 64 bits, Hadamard + quantization", 24, 64, 6, single, True,
             0.1, 8.0, 0.2),
        case("single-label 16 bits, 40 classes, random", 48, 16, 40, many, False, 1e-4,
             8.0, 0.2),
        case("multi-label 32 bits, Hadamard", 16, 32, 11, multi, True, 1e-4, 4.0, 0.3),
        case("multi-label 12 bits, random", 16, 12, 11, multi, False, 0.0, 8.0, 0.2),
    ]
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
