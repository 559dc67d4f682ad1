#!/usr/bin/env python3
"""PyTorch counterpart of `cargo run --release -p deephash-kernels --example conv_layers`.

    python scripts/bench_torch_conv_layers.py [--batch 32] [--threads 2] [--reps 3]

Times ResNet-18's convolution shapes (224 x 224 input) one by one with the same work as the
Rust example: the forward `relu(conv2d(x, w, b))`, the input gradient dX and the weight gradient
dW of the convolution (`aten.convolution_backward` with one output each, as autograd calls it).
One untimed call first, then the mean of `--reps` calls. Prints the example's markdown rows
(`| in | out | side | k | s | ms | GFLOP/s | dX ms | dX GFLOP/s | dW ms | dW GFLOP/s |`), so
scripts/bench_model.sh can join the two tables row by row. Needs torch==2.9.0.
"""

import argparse
import time

import torch
import torch.nn.functional as F

# (in, out, side, kernel, stride, padding, times in the network): the example's list.
LAYERS = [
    (3, 64, 224, 7, 2, 3, 1),
    (64, 64, 56, 3, 1, 1, 4),
    (64, 128, 56, 3, 2, 1, 1),
    (64, 128, 56, 1, 2, 0, 1),
    (128, 128, 28, 3, 1, 1, 3),
    (128, 256, 28, 3, 2, 1, 1),
    (128, 256, 28, 1, 2, 0, 1),
    (256, 256, 14, 3, 1, 1, 3),
    (256, 512, 14, 3, 2, 1, 1),
    (256, 512, 14, 1, 2, 0, 1),
    (512, 512, 7, 3, 1, 1, 3),
]


def seconds(reps, run):
    """Mean seconds of `reps` calls of `run` after one warm-up call."""
    run()
    start = time.perf_counter()
    for _ in range(reps):
        run()
    return (time.perf_counter() - start) / reps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"threads={torch.get_num_threads()}")
    print("| in | out | side | k | s | ms | GFLOP/s | dX ms | dX GFLOP/s | dW ms | dW GFLOP/s |")
    for c, o, side, k, s, p, _times in LAYERS:
        x = torch.full((args.batch, c, side, side), 0.5)
        w = torch.full((o, c, k, k), 0.01)
        b = torch.full((o,), 0.1)
        with torch.no_grad():
            y = F.relu(F.conv2d(x, w, b, s, p))
            fwd = seconds(args.reps, lambda: F.relu(F.conv2d(x, w, b, s, p)))

            def grad(mask):
                return torch.ops.aten.convolution_backward(
                    y, x, w, None, [s, s], [p, p], [1, 1], False, [0, 0], 1, mask)

            dx = seconds(args.reps, lambda: grad([True, False, False]))
            dw = seconds(args.reps, lambda: grad([False, True, False]))
        ho = y.shape[2] * y.shape[3]
        flop = 2.0 * o * c * k * k * args.batch * ho
        print(f"| {c} | {o} | {side} | {k} | {s} | {fwd * 1e3:.1f} | {flop / fwd / 1e9:.1f} | "
              f"{dx * 1e3:.1f} | {flop / dx / 1e9:.1f} | {dw * 1e3:.1f} | {flop / dw / 1e9:.1f} |")


if __name__ == "__main__":
    main()
