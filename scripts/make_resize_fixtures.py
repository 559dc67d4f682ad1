#!/usr/bin/env python3
"""Writes the resize fixtures of deephash-data: what Pillow (= torchvision's Resize on PIL images)
produces for a few small pseudo-random RGB images.

Pinned: Pillow==13.0.0 and Pillow==12.0.0 (run once with each; both sets are committed). Pillow 13
changed the pass order of resizing (vertical pass first when the height shrinks by more than twice
the width's shrink), which changes some pixels by one level; deephash follows Pillow 13 by default.
Run from the repository root:

    python3 -m venv .venv-data && .venv-data/bin/pip install pillow numpy
    .venv-data/bin/python scripts/make_resize_fixtures.py

Output: crates/deephash-data/tests/fixtures/resize/<name>-pil<major>.bin, each
    u32 LE in_w, in_h, out_w, out_h, pillow_major, then in_w*in_h*3 input bytes, then out_w*out_h*3 output bytes
(a few KiB in total). The input pixels come from a fixed seed, so the files are reproducible.

Also crates/deephash-data/tests/fixtures/decode/<name>.<jpg|png> with <name>.rgb: the pixels of
Image.open(f).convert("RGB") (u32 LE w, h, then w*h*3 bytes): colour, greyscale and CMYK JPEG, palette
and grey+alpha PNG, so decoding differences against PIL (libjpeg-turbo) are measured, not guessed.
"""
import struct
from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parent.parent / "crates/deephash-data/tests/fixtures/resize"

# (name, in_w, in_h, out_w, out_h): shrink, enlarge, mixed, odd ratios, one axis unchanged.
CASES = [
    ("shrink", 50, 38, 16, 16),
    ("enlarge", 7, 5, 23, 19),
    ("mixed", 40, 9, 13, 27),
    ("odd", 33, 47, 32, 17),
    ("width_only", 29, 11, 12, 11),
    ("big_shrink", 97, 61, 8, 6),
    ("portrait", 45, 60, 32, 32),
    ("tall", 20, 90, 16, 10),
]


def smooth_image(rng, w, h):
    """A photo-like image: smooth gradients plus mild noise (JPEG-friendly)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / 7.0) * np.cos(y / 11.0)
    g = 128 + 90 * np.cos((x + y) / 9.0)
    b = 255 * x / max(w - 1, 1)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, size=(h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def write_decode_fixtures(rng):
    out = OUT.parent / "decode"
    out.mkdir(parents=True, exist_ok=True)
    rgb = Image.fromarray(smooth_image(rng, 48, 40), "RGB")
    files = {
        "colour.jpg": (rgb, dict(quality=90)),
        "grey.jpg": (rgb.convert("L"), dict(quality=90)),
        "cmyk.jpg": (rgb.convert("CMYK"), dict(quality=90)),
        "palette.png": (rgb.convert("P", palette=Image.ADAPTIVE, colors=16), {}),
        "grey_alpha.png": (rgb.convert("LA"), {}),
    }
    for name, (img, opts) in files.items():
        path = out / name
        img.save(path, **opts)
        dec = Image.open(path).convert("RGB")
        w, h = dec.size
        with open(path.with_suffix(".rgb"), "wb") as f:
            f.write(struct.pack("<2I", w, h))
            f.write(np.asarray(dec, dtype=np.uint8).tobytes())


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240611)
    for name, iw, ih, ow, oh in CASES:
        # Smooth-ish content plus noise, so both flat and sharp regions are exercised.
        base = rng.integers(0, 256, size=(ih, iw, 3), dtype=np.uint8)
        img = Image.fromarray(base, "RGB")
        out = np.asarray(img.resize((ow, oh), Image.BILINEAR), dtype=np.uint8)
        major = int(Image.__version__.split(".")[0])
        with open(OUT / f"{name}-pil{major}.bin", "wb") as f:
            f.write(struct.pack("<5I", iw, ih, ow, oh, major))
            f.write(base.tobytes())
            f.write(out.tobytes())
    write_decode_fixtures(rng)
    print(f"wrote {len(CASES)} fixtures to {OUT} with Pillow {Image.__version__}")


if __name__ == "__main__":
    main()
