#!/usr/bin/env python3
"""Writes the convolution and batch-norm gradient fixtures for
crates/deephash-model/tests/model/conv_grad.rs and bn_grad.rs.

For each case: an input x [N,C,H,W], a weight w [O,C,k,k], an optional bias b [O] and an output
gradient g [N,O,Ho,Wo] (float32, normal), and what PyTorch computes from them in float64:
y = conv2d(x, w, b, stride, padding) and the gradients of sum(y * g) with respect to x, w, b.
Cases: 3x3 / 1x1 / 7x7 kernels, strides 1 and 2, with and without bias.

Batch norm (training mode, momentum 0.1, eps 1e-5, running statistics starting at 0 and 1): an
input x, γ, β, an optional residual r and an output gradient g; y = act(bn(x) + r) with act
ReLU or identity, the gradients of sum(y * g) with respect to x, γ, β, r, and the running
statistics after the step. Written to BN-GRAD.safetensors / BN-GRAD.json beside the others.

Max pooling: an input x with many ties (values rounded to a coarse grid) and an output
gradient g; y = max_pool2d(x, kernel, stride, padding) and the gradient of sum(y * g) with
respect to x (PyTorch sends it to the first maximum of each window in scan order). Written to
POOL-GRAD.safetensors / POOL-GRAD.json beside the others. The pool cases draw their random
values after the convolution and batch-norm cases, so those fixtures do not change.

Writes CONV-GRAD.safetensors (tensors named "<case>.<x|w|b|g|y|dx|dw|db>", float32) and a
JSON manifest beside it (case -> stride, padding, bias). safetensors is written by hand (an
8-byte header length, a JSON header, the raw little-endian bytes), so only torch is needed.

Usage (torch==2.9.0):
    python scripts/make_conv_grad_fixtures.py crates/deephash-model/tests/fixtures/conv-grad
"""
import json
import struct
import sys

import torch

torch.manual_seed(20261130)

# name: (batch, in_channels, out_channels, side, kernel, stride, padding, bias)
CASES = {
    "k3s1_bias": (2, 3, 4, 8, 3, 1, 1, True),
    "k3s2": (2, 4, 6, 9, 3, 2, 1, False),
    "k1s1_bias": (3, 5, 7, 6, 1, 1, 0, True),
    "k1s2": (2, 4, 8, 7, 1, 2, 0, False),
    "k7s2": (2, 3, 4, 16, 7, 2, 3, False),
    "k7s1_bias": (1, 2, 3, 10, 7, 1, 3, True),
}


def case_tensors(batch, cin, cout, side, k, stride, pad, bias):
    x = torch.randn(batch, cin, side, side)
    w = torch.randn(cout, cin, k, k) / (cin * k * k) ** 0.5
    b = torch.randn(cout) if bias else None
    x64 = x.double().requires_grad_()
    w64 = w.double().requires_grad_()
    b64 = b.double().requires_grad_() if bias else None
    y = torch.nn.functional.conv2d(x64, w64, b64, stride=stride, padding=pad)
    g = torch.randn(y.shape)
    (y * g.double()).sum().backward()
    out = {"x": x, "w": w, "g": g, "y": y.detach(), "dx": x64.grad, "dw": w64.grad}
    if bias:
        out["b"] = b
        out["db"] = b64.grad
    return out


# name: (batch, channels, side, residual, relu)
BN_CASES = {
    "relu_residual": (4, 3, 5, True, True),
    "relu": (2, 5, 7, False, True),
    "identity": (3, 4, 1, False, False),
}


def bn_case_tensors(batch, channels, side, residual, relu):
    x = torch.randn(batch, channels, side, side) * 2 + 0.5
    gamma = torch.rand(channels) + 0.5
    beta = torch.randn(channels) * 0.3
    r = torch.randn(x.shape) if residual else None
    bn = torch.nn.BatchNorm2d(channels).double().train()
    with torch.no_grad():
        bn.weight.copy_(gamma.double())
        bn.bias.copy_(beta.double())
    x64 = x.double().requires_grad_()
    r64 = r.double().requires_grad_() if residual else None
    y = bn(x64)
    if residual:
        y = y + r64
    if relu:
        y = torch.relu(y)
    g = torch.randn(y.shape)
    (y * g.double()).sum().backward()
    out = {"x": x, "gamma": gamma, "beta": beta, "g": g, "y": y.detach(), "dx": x64.grad,
           "dgamma": bn.weight.grad, "dbeta": bn.bias.grad,
           "running_mean": bn.running_mean, "running_var": bn.running_var}
    if residual:
        out["r"] = r
        out["dr"] = r64.grad
    return out


# name: (batch, channels, height, width, kernel, stride, padding)
POOL_CASES = {
    "k2s2": (2, 3, 8, 8, 2, 2, 0),
    "k2s2_odd": (3, 2, 7, 9, 2, 2, 0),
    "k3s2p1": (2, 4, 11, 10, 3, 2, 1),
    "k3s1p1": (1, 3, 6, 7, 3, 1, 1),
}


def pool_case_tensors(batch, channels, height, width, k, stride, pad):
    x = torch.round(torch.randn(batch, channels, height, width) * 1.5)
    x64 = x.double().requires_grad_()
    y = torch.nn.functional.max_pool2d(x64, k, stride=stride, padding=pad)
    g = torch.randn(y.shape)
    (y * g.double()).sum().backward()
    return {"x": x, "g": g, "y": y.detach(), "dx": x64.grad}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().float().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    stem = sys.argv[1]
    tensors, manifest = {}, {}
    for name, (batch, cin, cout, side, k, stride, pad, bias) in CASES.items():
        for key, t in case_tensors(batch, cin, cout, side, k, stride, pad, bias).items():
            tensors[f"{name}.{key}"] = t
        manifest[name] = {"stride": stride, "padding": pad, "bias": bias}
    write_safetensors(stem + ".safetensors", tensors)
    with open(stem + ".json", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    tensors, manifest = {}, {}
    for name, (batch, channels, side, residual, relu) in BN_CASES.items():
        for key, t in bn_case_tensors(batch, channels, side, residual, relu).items():
            tensors[f"{name}.{key}"] = t
        manifest[name] = {"residual": residual, "relu": relu}
    bn_stem = stem.replace("conv-grad", "bn-grad")
    write_safetensors(bn_stem + ".safetensors", tensors)
    with open(bn_stem + ".json", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    tensors, manifest = {}, {}
    for name, (batch, channels, height, width, k, stride, pad) in POOL_CASES.items():
        for key, t in pool_case_tensors(batch, channels, height, width, k, stride, pad).items():
            tensors[f"{name}.{key}"] = t
        manifest[name] = {"kernel": k, "stride": stride, "padding": pad}
    pool_stem = stem.replace("conv-grad", "pool-grad")
    write_safetensors(pool_stem + ".safetensors", tensors)
    with open(pool_stem + ".json", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
