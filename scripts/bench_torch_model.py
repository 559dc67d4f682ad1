#!/usr/bin/env python3
"""PyTorch counterpart of `deephash bench model`: prints img_per_s=<number>.

    python scripts/bench_torch_model.py --backbone resnet18 [--batch 32] [--train] [--threads 2]
                                        [--device cuda]

Same work as the Rust benchmark: random N(0, 1) images, a 64-bit tanh hash head on the pooled
feature; inference in eval mode under no_grad, or a training step (train-mode forward, mean of
squared codes, backward, SGD momentum 0.9 weight decay 5e-4). One untimed warm-up batch. On a
GPU (`--device cuda`), the clock stops after the device has finished its queued work.
Needs torch==2.9.0 and torchvision==0.24.0. efficientnet-lite0 comes from the package
efficientnet-lite-pytorch when it is installed, else from the mirror below (same layers, channels,
strides and FLOPs; symmetric padding instead of TensorFlow's "same", which changes no cost).
"""

import argparse
import time

import torch
import torchvision
from torch import nn


def conv_bn(c_in, c_out, kernel, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
              nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.01)]
    return layers + [nn.ReLU6()] if act else layers


class MbConv(nn.Module):
    """EfficientNet-Lite's inverted bottleneck (no squeeze-excitation), as in deephash."""

    def __init__(self, c_in, c_out, kernel, stride, expand, skip):
        super().__init__()
        hidden = c_in * expand
        layers = conv_bn(c_in, hidden, 1) if expand != 1 else []
        layers += conv_bn(hidden, hidden, kernel, stride, groups=hidden)
        layers += conv_bn(hidden, c_out, 1, act=False)
        self.body = nn.Sequential(*layers)
        self.skip = skip and c_in == c_out and stride == 1

    def forward(self, x):
        y = self.body(x)
        return y + x if self.skip else y


def efficientnet_lite0_mirror():
    """deephash's EfficientNet-Lite0 (crates/deephash-model/src/backbone/efficientnet_lite.rs)."""
    stages = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
              (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
    layers = conv_bn(3, 32, 3, 2)
    for repeats, kernel, stride, expand, c_in, c_out in stages:
        for i in range(repeats):
            layers.append(MbConv(c_in if i == 0 else c_out, c_out, kernel, stride if i == 0 else 1,
                                 expand, i > 0))
    layers += conv_bn(320, 1280, 1) + [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers)


class Pooled(nn.Module):
    """A backbone without its classifier, returning the pooled feature."""

    def __init__(self, name):
        super().__init__()
        if name.startswith("resnet"):
            net = getattr(torchvision.models, name)(weights=None)
            self.dim = net.fc.in_features
            net.fc = nn.Identity()
        elif name == "efficientnet-lite0":
            try:
                from efficientnet_lite_pytorch import EfficientNet
            except ImportError:
                net, self.dim = efficientnet_lite0_mirror(), 1280
            else:
                net = EfficientNet.from_name("efficientnet-lite0", image_size=224, dropout_rate=0.0,
                                             drop_connect_rate=0.0)
                self.dim = net._fc.in_features
                net._fc = nn.Identity()
        elif name == "small-cnn":
            # deephash's small CNN (crates/deephash-model/src/backbone/small_cnn.rs): three stages
            # of two conv3x3-BN-ReLU blocks and a 2x2 max-pool, 16/32/64 channels, global pool.
            layers, channels = [], 3
            for stage in range(3):
                out = 16 << stage
                for c_in in (channels, out):
                    layers += [nn.Conv2d(c_in, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
                layers.append(nn.MaxPool2d(2))
                channels = out
            net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
            self.dim = channels
        else:
            raise SystemExit(f"unsupported backbone {name}")
        self.net = net

    def forward(self, x):
        return self.net(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", default="resnet18")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    backbone = Pooled(args.backbone)
    model = nn.Sequential(backbone, nn.Linear(backbone.dim, 64), nn.Tanh()).to(device)
    side = 28 if args.backbone == "small-cnn" else 224
    x = torch.randn(args.batch, 3, side, side, device=device)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    if args.train:
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
    step()
    sync()
    start = time.perf_counter()
    for _ in range(args.iters):
        step()
    sync()
    seconds = time.perf_counter() - start
    print(f"img_per_s={args.batch * args.iters / seconds:.2f}")


if __name__ == "__main__":
    main()
