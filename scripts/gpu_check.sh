#!/usr/bin/env bash
# The GPU check of issue 17, for a machine with an NVIDIA GPU: builds deephash with burn's CUDA
# backend (scripts/build-cuda.sh: Debian's LLVM 22, no download), runs the parity fixtures and a
# short training run on the GPU (the `gpu` tests of deephash-model and deephash-train),
# `deephash bench model` beside PyTorch 2.9 on the same GPU (ResNet-18, inference batch 64,
# training batch 80) and a short fine-tuning run on the bundled Fashion-MNIST subset (small CNN,
# then ResNet-18), printing every figure. Nothing is downloaded: the machine needs the
# repository, the Debian packages scripts/llvm-prefix.sh names (or apt access), and for the
# PyTorch side a venv with torch==2.9.0 and torchvision==0.24.0 (CUDA build) at .venv-torch (or
# PYTHON); without it the PyTorch figures are skipped with a message.
#
# Usage, from anywhere:
#   scripts/gpu_check.sh                # on the first NVIDIA GPU (release build, --features cuda)
#   scripts/gpu_check.sh --device cpu   # dry run of every command on the CPU: the CI build (dev
#                                       # profile, --features cuda,wgpu), small CNN, tiny sizes
# Environment (all optional):
#   PYTHON     python with torch and torchvision (default: .venv-torch/bin/python)
#   ITERS      timed batches per benchmark case (default: 10; dry run: 1)
#   EPOCHS     small-CNN fine-tuning epochs (default: 5; dry run: 1)
#   OUT        folder for the training runs (default: a temporary folder, removed at the end)
#   DEEPHASH   a deephash binary built already: the build and the cargo tests are skipped
set -euo pipefail
cd "$(dirname "$0")/.."

device=cuda
if [[ ${1:-} == --device ]]; then
    device=${2:?--device needs a value: cuda, cuda:N or cpu}
fi
dry=false
[[ $device == cpu ]] && dry=true
PYTHON=${PYTHON:-.venv-torch/bin/python}
if $dry; then
    ITERS=${ITERS:-1}
    EPOCHS=${EPOCHS:-1}
    build_profile=(--profile dev)
    test_profile=(--profile dev)
    features=cuda,wgpu
    bench_backbone=small-cnn
    resnet_limit=(--max-per-class 2)
    binary=target/debug/deephash
else
    ITERS=${ITERS:-10}
    EPOCHS=${EPOCHS:-5}
    build_profile=(--release)
    test_profile=(--release)
    features=cuda
    bench_backbone=resnet18
    resnet_limit=(--max-per-class 100)
    binary=target/release/deephash
fi
if [[ -n ${CARGO_TARGET_DIR:-} ]]; then
    binary=$CARGO_TARGET_DIR/${binary#target/}
fi
out=${OUT:-$(mktemp -d)}
[[ -z ${OUT:-} ]] && trap 'rm -rf "$out"' EXIT
step() { printf '\n== %s\n' "$*"; }
seconds_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

step "machine"
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader
else
    echo "no nvidia-smi on this machine"
    $dry || { echo "gpu_check.sh: no NVIDIA driver; --device cpu runs the dry mode" >&2; exit 1; }
fi
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -n ${DEEPHASH:-} ]]; then
    binary=$DEEPHASH
    step "build and tests skipped: DEEPHASH=$binary"
else
    step "build (${build_profile[*]}, --features ${features})"
    start=$(date +%s.%N)
    # shellcheck source=scripts/llvm-prefix.sh
    source scripts/llvm-prefix.sh
    deephash_llvm_prefix
    # The same packages and features in both commands, so that the tests reuse the build.
    gpu=(-p deephash-cli -p deephash-model -p deephash-train --features "$features" --locked)
    XDG_DATA_HOME=$DEEPHASH_LLVM_XDG cargo build "${build_profile[@]}" "${gpu[@]}"
    echo "build_seconds=$(seconds_since "$start")"

    step "parity fixtures and a short training run on $device (ResNet-18, small CNN; eval and train mode)"
    start=$(date +%s.%N)
    XDG_DATA_HOME=$DEEPHASH_LLVM_XDG DEEPHASH_TEST_GPU=$device DEEPHASH_REQUIRE_GPU=1 \
        cargo test "${test_profile[@]}" "${gpu[@]}" --test model --test gpu_training \
        -- gpu --nocapture --test-threads 1
    echo "test_seconds=$(seconds_since "$start")"
fi

step "bench model on $device: deephash beside PyTorch (img/s, $ITERS timed batches)"
torch=true
if ! "$PYTHON" -c 'import torch, torchvision' 2>/dev/null; then
    echo "no PyTorch at $PYTHON (torch==2.9.0, torchvision==0.24.0): PyTorch figures skipped"
    torch=false
elif ! $dry && ! "$PYTHON" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'; then
    echo "PyTorch at $PYTHON has no CUDA: PyTorch figures skipped"
    torch=false
fi
$torch && "$PYTHON" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__, "cuda", torch.version.cuda)'
rate() { sed -nE 's/.*img_per_s=([0-9.]+).*/\1/p'; }
echo "| backbone | batch | mode | PyTorch img/s | deephash img/s | deephash / PyTorch |"
echo "|---|---:|---|---:|---:|---:|"
for case in "$bench_backbone:64:infer" "$bench_backbone:80:train"; do
    IFS=: read -r backbone batch mode <<<"$case"
    flag=()
    [[ $mode == train ]] && flag=(--train)
    ours=$("$binary" bench model --device "$device" --backbone "$backbone" --batch "$batch" \
        --iters "$ITERS" "${flag[@]}" | rate)
    theirs=-
    ratio=-
    if $torch; then
        theirs=$("$PYTHON" scripts/bench_torch_model.py --device "$device" --backbone "$backbone" \
            --batch "$batch" --iters "$ITERS" --threads "$(nproc)" "${flag[@]}" | rate)
        ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f×", a / b }')
    fi
    echo "| $backbone | $batch | $mode | $theirs | $ours | $ratio |"
done

step "fine-tuning on the bundled Fashion-MNIST subset on $device"
finetune() {
    local name=$1
    shift
    local start
    start=$(date +%s.%N)
    "$binary" train --dataset fashion-mnist --mode finetune --bits 64 --device "$device" \
        --quiet --out "$out/$name" "$@"
    echo "$name: train_seconds=$(seconds_since "$start")"
    echo "$name: per-epoch metrics (metrics.jsonl):"
    cat "$out/$name/metrics.jsonl"
    "$binary" eval --run "$out/$name" --device "$device"
}
finetune small-cnn --backbone small-cnn --epochs "$EPOCHS"
finetune resnet18 --backbone resnet18 --epochs 1 "${resnet_limit[@]}"
