#!/usr/bin/env python3
"""Parity fixtures for deephash-model: PyTorch reference outputs of every backbone.

Needs torch==2.9.0, torchvision==0.24.0, safetensors, numpy, pillow and
efficientnet-lite-pytorch==0.1.0 (pure Python; `pip install --no-deps` it).

    python scripts/make_parity_fixtures.py                      # small fixtures (committed)
    python scripts/make_parity_fixtures.py --full --out DIR     # full-size networks (for
        DEEPHASH_PARITY_DIR=DIR cargo test -p deephash-model --test parity -- --ignored)
    python scripts/make_parity_fixtures.py --lite0-weights weights/efficientnet-lite0-57934424.pth --out DIR
        # also the real EfficientNet-Lite0 on a real-looking image, into the same DIR

For each network NAME the output directory gets the state dict (NAME.pth or NAME.safetensors)
and NAME.expected.safetensors with: `input` [N,3,H,W]; `features_eval`, `logits_eval`
(eval mode); `features_train`, `logits_train` (train mode, one forward); and `running.<key>`,
every BatchNorm running statistic after that train-mode forward. manifest.json says how to
rebuild each network. Random networks get random BatchNorm affine parameters and running
statistics, so that the tests cannot pass with identity BatchNorms.
"""

import argparse
import copy
import json
import os

import numpy as np
import torch
import torchvision
from PIL import Image
from safetensors.torch import save_file
from torch import nn
from torchvision import transforms
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

SEED = 20240607


class NarrowResNet(ResNet):
    """torchvision's ResNet with every width divided (stem `width` instead of 64).

    Same blocks and `_make_layer` as torchvision; only the constants of `ResNet.__init__` change.
    """

    def __init__(self, block, layers, width, num_classes):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = width
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8 * block.expansion, num_classes)


class ConvBnRelu(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Stage(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a = ConvBnRelu(cin, cout)
        self.b = ConvBnRelu(cout, cout)

    def forward(self, x):
        return self.b(self.a(x))


class SmallCnn(nn.Module):
    """The mirror of deephash's `small-cnn` (crates/deephash-model/src/backbone/small_cnn.rs)."""

    def __init__(self, width, stages):
        super().__init__()
        chans = [3] + [width << i for i in range(stages)]
        self.stages = nn.ModuleList(Stage(chans[i], chans[i + 1]) for i in range(stages))
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        for stage in self.stages:
            x = self.pool(stage(x))
        return x.mean((2, 3))


def lite(width, depth, image_size, num_classes):
    from efficientnet_lite_pytorch import EfficientNet

    return EfficientNet.from_name(
        "efficientnet-lite0",
        width_coefficient=width,
        depth_coefficient=depth,
        image_size=image_size,
        num_classes=num_classes,
        dropout_rate=0.0,  # train-mode parity: no dropout, no drop-connect
        drop_connect_rate=0.0,
    )


def randomise_batch_norms(model, generator):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(0.5 + torch.rand(n, generator=generator))
                m.bias.copy_(0.1 * torch.randn(n, generator=generator))
                m.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
                m.running_var.copy_(0.5 + torch.rand(n, generator=generator))


def calibrate_batch_norms(model, x):
    """Sets every running statistic to the statistics of a calibration batch (then keeps the
    random affine parameters): deep random residual networks otherwise reach activations in the
    thousands, where float32 rounding alone exceeds the 1e-4 tolerance."""
    momenta = {}
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            momenta[m] = m.momentum
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one batch gives its own statistics
    model.train()
    with torch.no_grad():
        model(x)
    for m, momentum in momenta.items():
        m.momentum = momentum
    model.eval()


def pooled_feature_hook(model):
    """Captures the pooled feature [N, D] on its way into the classifier."""
    store = {}
    fc = model.fc if hasattr(model, "fc") and isinstance(model.fc, nn.Linear) else getattr(model, "_fc", None)
    if fc is None:
        return store
    fc.register_forward_hook(lambda _m, inputs, _out: store.__setitem__("features", inputs[0].detach().clone()))
    return store


def exact_train_features(model, x):
    """The train-mode pooled features computed in float64 (stored as float32): the exact answer
    that PyTorch's and deephash's float32 results are both measured against, because in train
    mode BatchNorm divides by small batch variances and float32 rounding alone moves the result
    by up to ~1e-4 (ResNet-50)."""
    exact = copy.deepcopy(model).double()
    hook = pooled_feature_hook(exact)
    exact.train()
    with torch.no_grad():
        y = exact(x.double())
    return hook.pop("features") if "features" in hook else y


def run_reference(model, x):
    """Eval forward, then one train-mode forward; returns the expected tensors."""
    out = {"input": x, "features_train_f64": exact_train_features(model, x)}
    hook = pooled_feature_hook(model)
    model.eval()
    with torch.no_grad():
        for mode in ("eval", "train"):
            model.train(mode == "train")
            y = model(x)
            if "features" in hook:  # a classifier: the pooled feature was captured on its way in
                out["features_" + mode] = hook.pop("features")
                out["logits_" + mode] = y
            else:
                out["features_" + mode] = y
    model.eval()
    for key, value in model.state_dict().items():
        if key.endswith("running_mean") or key.endswith("running_var"):
            out["running." + key] = value
    return {k: v.detach().contiguous().float() for k, v in out.items()}


def save_weights(model, path):
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    if path.endswith(".pth"):
        torch.save(state, path)
    else:
        save_file(state, path)


def write_network(out_dir, name, model, x, weights_ext, manifest, spec):
    weights = name + weights_ext
    save_weights(model, os.path.join(out_dir, weights))
    expected = run_reference(model, x)
    save_file(expected, os.path.join(out_dir, name + ".expected.safetensors"))
    manifest[name] = dict(spec, weights=weights)
    print(f"{name}: |features| max {expected['features_eval'].abs().max():.3f}")


def synthetic_photo(size, seed):
    """A smooth, photo-like RGB image (gradients, discs, texture): compresses well as PNG."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.stack([0.6 * xx + 0.2, 0.5 * yy + 0.3 * np.sin(6 * xx), 0.7 - 0.4 * xx * yy], -1)
    for _ in range(6):
        cx, cy, r = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.25)
        disc = ((xx - cx) ** 2 + (yy - cy) ** 2) < r * r
        img[disc] = 0.6 * img[disc] + 0.4 * rng.uniform(0, 1, 3)
    img += 0.05 * np.sin(40 * xx + 13 * yy)[..., None]
    return Image.fromarray((np.clip(img, 0, 1) * 255).round().astype(np.uint8), "RGB")


def imagenet_transform():
    return transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])


def small_fixtures(out_dir, manifest, g):
    specs = [
        ("resnet18", BasicBlock, [2, 2, 2, 2], ".pth"),
        ("resnet34", BasicBlock, [3, 4, 6, 3], ".safetensors"),
        ("resnet50", Bottleneck, [3, 4, 6, 3], ".pth"),
    ]
    x = torch.randn(2, 3, 64, 64, generator=g)
    # ResNet-50's last stage sees 2 x 2 maps: 4 images give its train-mode BatchNorm 16 samples
    # per channel (8 make the batch variance so small that float32 rounding alone reaches 1e-4).
    x4 = torch.randn(4, 3, 64, 64, generator=g)
    for name, block, layers, ext in specs:
        model = NarrowResNet(block, layers, width=4, num_classes=10)
        randomise_batch_norms(model, g)
        spec = dict(kind="resnet", bottleneck=block is Bottleneck, layers=layers, width=4, num_classes=10)
        write_network(out_dir, name, model, x4 if block is Bottleneck else x, ext, manifest, spec)
    model = lite(0.25, 0.5, 64, 10)
    randomise_batch_norms(model, g)
    spec = dict(kind="efficientnet-lite", width=0.25, depth=0.5, num_classes=10)
    write_network(out_dir, "efficientnet-lite0", model, x, ".pth", manifest, spec)
    model = SmallCnn(8, 3)
    randomise_batch_norms(model, g)
    x28 = torch.randn(4, 3, 28, 28, generator=g)
    write_network(out_dir, "small-cnn", model, x28, ".safetensors", manifest,
                  dict(kind="small-cnn", width=8, stages=3))
    image_fixture(out_dir, manifest)


def image_fixture(out_dir, manifest):
    """A 256 x 256 PNG and the narrow ResNet-18's features of it through torchvision's
    Resize(256) / CenterCrop(224) / ToTensor / Normalize pipeline."""
    image = synthetic_photo(256, SEED)
    image.save(os.path.join(out_dir, "image.png"), optimize=True)
    model = NarrowResNet(BasicBlock, [2, 2, 2, 2], width=4, num_classes=10)
    model.load_state_dict(torch.load(os.path.join(out_dir, "resnet18.pth")))
    model.eval()
    hook = pooled_feature_hook(model)
    with torch.no_grad():
        model(imagenet_transform()(image.convert("RGB")).unsqueeze(0))
    save_file({"features": hook["features"].contiguous()}, os.path.join(out_dir, "image.expected.safetensors"))
    np.save(os.path.join(out_dir, "image.features.npy"), hook["features"].numpy().astype(np.float32))
    manifest["image"] = dict(kind="image", image="image.png", weights="resnet18.pth", backbone="resnet18")


def full_fixtures(out_dir, manifest, g):
    x = torch.randn(2, 3, 224, 224, generator=g)
    calibration = torch.randn(4, 3, 224, 224, generator=g)
    for name, ctor in [("resnet18", torchvision.models.resnet18), ("resnet50", torchvision.models.resnet50)]:
        model = ctor(weights=None)
        randomise_batch_norms(model, g)
        calibrate_batch_norms(model, calibration)
        bottleneck = name == "resnet50"
        spec = dict(kind="resnet", bottleneck=bottleneck, layers=[3, 4, 6, 3] if bottleneck else [2, 2, 2, 2],
                    width=64, num_classes=1000)
        write_network(out_dir, name, model, x, ".pth", manifest, spec)
    model = lite(1.0, 1.0, 224, 1000)
    randomise_batch_norms(model, g)
    calibrate_batch_norms(model, calibration)
    write_network(out_dir, "efficientnet-lite0", model, x, ".pth", manifest,
                  dict(kind="efficientnet-lite", width=1.0, depth=1.0, num_classes=1000))


def lite0_real(out_dir, manifest, weights):
    """The real EfficientNet-Lite0 on a real-looking image with its (x - 127) / 128 input."""
    model = lite(1.0, 1.0, 224, 1000)
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    image = synthetic_photo(224, SEED + 1)
    image.save(os.path.join(out_dir, "lite0-real.png"))
    pixels = torch.from_numpy(np.asarray(image, dtype=np.float32)).permute(2, 0, 1)
    x = ((pixels - 127.0) / 128.0).unsqueeze(0)
    hook = pooled_feature_hook(model)
    model.eval()
    with torch.no_grad():
        logits = model(x)
    save_file({"input": x.contiguous(), "features_eval": hook["features"].contiguous(),
               "logits_eval": logits.contiguous()},
              os.path.join(out_dir, "lite0-real.expected.safetensors"))
    manifest["lite0-real"] = dict(kind="efficientnet-lite", width=1.0, depth=1.0, num_classes=1000,
                                  weights=os.path.abspath(weights), eval_only=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(here, "..", "crates", "deephash-model", "tests", "fixtures"))
    parser.add_argument("--full", action="store_true", help="full-size random ResNet-18/50 and Lite0")
    parser.add_argument("--lite0-weights", help="also check the real Lite0 weights (.pth)")
    args = parser.parse_args()
    assert torch.__version__.startswith("2.9.0"), f"torch 2.9.0 expected, found {torch.__version__}"
    assert torchvision.__version__.startswith("0.24.0"), torchvision.__version__
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # bit-stable reference outputs
    g = torch.Generator().manual_seed(SEED)
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    if args.full:
        full_fixtures(args.out, manifest, g)
    elif not args.lite0_weights:
        small_fixtures(args.out, manifest, g)
    if args.lite0_weights:
        lite0_real(args.out, manifest, args.lite0_weights)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
