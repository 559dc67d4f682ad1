#!/usr/bin/env python3
"""Draws small class-folder data sets of real photos from Fashion-MNIST for the small-data
benchmark (docs/training.md, "Real photos, frozen ImageNet backbone").

Fashion-MNIST: Zalando's article photographs, 28x28 grey, MIT licence
(https://github.com/zalandoresearch/fashion-mnist). Source: the bundled subset
data/fashion-mnist-subset/ (1,000 training and 200 test images a class), or the full set of
the Debian package dataset-fashion-mnist (--src /usr/share/datasets/fashion-mnist).

    python3 scripts/make_fashion_draws.py --out /tmp/draws [--train 12 --test 4 --draws 5]

Writes OUT/n{TRAIN}/draw{D}/{train,test}/<class>/<index>.png for D = 0..DRAWS-1: TRAIN images
a class from the training split and TEST a class from the test split, as `deephash train
--dataset folder` reads them (train/ and test/ sub-folders: the test split is exactly test/,
and deephash holds its validation images out of train/). The draws are disjoint: one
permutation of each class per split (`random.Random(seed)`, Mersenne Twister, stable across
Python versions), draw D takes its D-th block. The file name is the image's index in the
source split, so a draw can be traced back. Standard library only; PNG files are 8-bit grey.
"""
import argparse
import gzip
import random
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat",
           "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = struct.unpack(">I", data[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return dims, data[4 + 4 * ndim :]


def png_grey(width, height, pixels):
    """An 8-bit greyscale PNG of `pixels` (row-major bytes)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + pixels[y * width : (y + 1) * width] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def blocks(src, split, per_draw, draws, rng):
    """Per draw, the indices it takes of each class of `split`, and the split's images."""
    (n, h, w), pixels = read_idx(src / f"{split}-images-idx3-ubyte.gz")
    (_,), labels = read_idx(src / f"{split}-labels-idx1-ubyte.gz")
    by_class = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    out = [dict() for _ in range(draws)]
    for c in sorted(by_class):
        members = by_class[c][:]
        if len(members) < per_draw * draws:
            raise SystemExit(f"{split}: class {c} has {len(members)} images, "
                             f"{draws} draws of {per_draw} need {per_draw * draws}")
        rng.shuffle(members)
        for d in range(draws):
            out[d][c] = sorted(members[d * per_draw : (d + 1) * per_draw])
    return out, (h, w, pixels)


def write(root, split, chosen, image):
    h, w, pixels = image
    for c, indices in chosen.items():
        folder = root / split / f"{c}-{CLASSES[c]}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in indices:
            (folder / f"{i:05d}.png").write_bytes(png_grey(w, h, pixels[i * h * w : (i + 1) * h * w]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=ROOT / "data" / "fashion-mnist-subset")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--train", type=int, default=12, help="training images a class")
    ap.add_argument("--test", type=int, default=4, help="test images a class")
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    train, train_img = blocks(args.src, "train", args.train, args.draws, rng)
    test, test_img = blocks(args.src, "t10k", args.test, args.draws, rng)
    for d in range(args.draws):
        root = args.out / f"n{args.train}" / f"draw{d}"
        write(root, "train", train[d], train_img)
        write(root, "test", test[d], test_img)
        print(f"{root}: {sum(map(len, train[d].values()))} training, "
              f"{sum(map(len, test[d].values()))} test images")


if __name__ == "__main__":
    main()
