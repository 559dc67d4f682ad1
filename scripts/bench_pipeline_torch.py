#!/usr/bin/env python3
"""Peer for `deephash bench pipeline`: the same training input pipeline in PyTorch (torch 2.9.0,
torchvision 0.24.0, Pillow 13): PIL decode -> Resize((256, 256)) -> RandomCrop(224) ->
RandomHorizontalFlip -> ToTensor -> Normalize(ImageNet), through a DataLoader with `--workers`
worker processes and batch 32. Prints `img_per_s=<number>` last.

    .venv-torch/bin/python scripts/bench_pipeline_torch.py --make 256 --dir /tmp/pipe-imgs
    target/release/deephash bench pipeline --images /tmp/pipe-imgs --count 256

`--make N` first writes N photo-like 500 x 375 JPEGs (quality 90) into --dir.
"""
import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torchvision import transforms


def make_images(d: Path, n: int):
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:375, 0:500].astype(np.float32)
    for i in range(n):
        fx, fy = x / 40.0 + i, y / 30.0
        noise = rng.integers(0, 24, size=(375, 500, 1))
        img = np.stack([128 + 90 * np.sin(fx) * np.cos(fy), 128 + 80 * np.cos(fx + fy), x / 2], -1) + noise
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(d / f"{i:05}.jpg", quality=90)


class Files(torch.utils.data.Dataset):
    def __init__(self, paths, tf):
        self.paths, self.tf = paths, tf

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.tf(Image.open(self.paths[i]).convert("RGB")), 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--make", type=int, default=0)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    if args.make:
        make_images(args.dir, args.make)
    torch.set_num_threads(1)
    paths = sorted(str(p) for p in args.dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    tf = transforms.Compose([
        transforms.Resize((256, 256)),
        transforms.RandomCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])
    loader = torch.utils.data.DataLoader(Files(paths, tf), batch_size=args.batch, num_workers=args.workers,
                                         persistent_workers=args.workers > 0)
    for _ in loader:  # warm-up pass: starts the workers, fills the page cache
        break
    start, n = time.perf_counter(), 0
    for x, _ in loader:
        n += x.shape[0]
    dt = time.perf_counter() - start
    print(f"torch pipeline N={n} batch={args.batch} workers={args.workers} torch={torch.__version__}")
    print(f"img_per_s={n / dt:.1f}")


if __name__ == "__main__":
    main()
