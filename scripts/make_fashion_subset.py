#!/usr/bin/env python3
"""Makes the bundled Fashion-MNIST subset: a fixed, class-balanced sample of the Debian package
`dataset-fashion-mnist` (IDX gz files under /usr/share/datasets/fashion-mnist/).

    sudo apt-get install dataset-fashion-mnist
    python3 scripts/make_fashion_subset.py [--src /usr/share/datasets/fashion-mnist] [--seed 20240611]

Writes data/fashion-mnist-subset/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz: 1,000 training
images per class (10,000) and 200 test images per class (2,000), drawn without replacement with
Python's `random.Random(seed)` (Mersenne Twister; stable across Python versions), each split kept in
its original order. Only the standard library is used; the gzip files are written with mtime 0 so
the output bytes are reproducible.
"""
import argparse
import gzip
import random
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPLITS = {"train": 1000, "t10k": 200}  # images per class


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return dims, data[4 + 4 * ndim :]


def write_idx(path, magic, dims, payload):
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
            f.write(header + payload)


def subset(src, out, split, per_class, rng):
    (n, h, w), pixels = read_idx(src / f"{split}-images-idx3-ubyte.gz")
    (n_labels,), labels = read_idx(src / f"{split}-labels-idx1-ubyte.gz")
    assert n == n_labels, f"{split}: {n} images but {n_labels} labels"
    by_class = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    chosen = sorted(i for c in sorted(by_class) for i in rng.sample(by_class[c], per_class))
    size = h * w
    write_idx(out / f"{split}-images-idx3-ubyte.gz", 0x0803, (len(chosen), h, w),
              b"".join(pixels[i * size : (i + 1) * size] for i in chosen))
    write_idx(out / f"{split}-labels-idx1-ubyte.gz", 0x0801, (len(chosen),),
              bytes(labels[i] for i in chosen))
    print(f"{split}: {len(chosen)} images of {h}x{w} from {n}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=Path("/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "fashion-mnist-subset")
    ap.add_argument("--seed", type=int, default=20240611)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for split, per_class in SPLITS.items():
        subset(args.src, args.out, split, per_class, rng)


if __name__ == "__main__":
    main()
