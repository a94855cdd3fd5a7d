#!/usr/bin/env bash
# Check a bundle written by tools/offline_bundle.sh the way a GPU node uses it.
#
#   bash tools/verify_offline_bundle.sh [--python-env ENV] BUNDLE_DIR
#
# 1. A Python 3.12 + torch 2.11.0 environment stands in for the node image
#    (torch, torchvision, numpy 2.x, opencv-python-headless, scikit-learn,
#    matplotlib, scipy, plus pytest for step 6). --python-env uses an
#    existing one; by default $MMSELFSUP_ROT_CACHE/envs/node-py3.12-torch2.11.0
#    is created once from PyPI. The environment itself is never modified.
# 2. The bundle is installed the offline way into a fresh folder:
#    pip install --no-index --no-deps --target DIR BUNDLE_DIR/*.whl (timed).
# 3. The plugin and the whole stack are imported from that folder, every
#    mmdet/mmseg/mmpretrain module registered, and mmcv.ops.nms run on CPU
#    tensors.
# 4. The checkout at the bundle's commit (from MANIFEST.txt) is exported
#    without the package sources, so the code below imports the bundle's.
# 5. python tools/gpu_check.py runs: on a machine without a GPU it must
#    refuse in one line naming CUDA (non-zero exit); with one it must pass.
# 6. The pure-Python tests (utils, transforms, models) run against the
#    installed package under the environment's numpy.
# Not part of `make test` (it needs the bundle and a second environment).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MMSELFSUP_ROT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmselfsup_rot}"
NODE_ENV=
BUNDLE=
PYBIN="${PYBIN:-}"
TESTS=(tests/test_utils tests/test_datasets/test_transforms tests/test_models)

say() { echo "[verify_bundle] $*"; }
die() {
    say "error: $*" >&2
    exit 1
}
while [[ $# -gt 0 ]]; do
    case "$1" in
    --python-env) NODE_ENV="$2"; shift 2 ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) BUNDLE="$1"; shift ;;
    esac
done
[[ -n "$BUNDLE" && -d "$BUNDLE" ]] ||
    die "usage: $0 [--python-env ENV] BUNDLE_DIR"
BUNDLE="$(cd "$BUNDLE" && pwd)"
ls "$BUNDLE"/*.whl >/dev/null 2>&1 || die "no wheels in $BUNDLE"

# ------------------------------------------------- 1. the node stand-in
if [[ -z "$NODE_ENV" ]]; then
    NODE_ENV="$CACHE/envs/node-py3.12-torch2.11.0"
    if [[ ! -x "$NODE_ENV/bin/python" ]]; then
        if [[ -z "$PYBIN" ]]; then
            PYBIN="$(command -v python3.12 || ls -d \
                "$HOME"/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null |
                tail -1)"
        fi
        [[ -x "$PYBIN" ]] || die "python3.12 not found: set PYBIN"
        say "creating the node stand-in $NODE_ENV (from PyPI, once)"
        "$PYBIN" -m venv "$NODE_ENV.tmp"
        "$NODE_ENV.tmp/bin/python" -m pip -q install --upgrade pip
        "$NODE_ENV.tmp/bin/python" -m pip -q install torch==2.11.0 \
            'torchvision==0.26.*' 'numpy>=2' opencv-python-headless \
            scikit-learn matplotlib scipy pytest pytest-timeout
        mv "$NODE_ENV.tmp" "$NODE_ENV"
    fi
fi
PY="$NODE_ENV/bin/python"
[[ -x "$PY" ]] || die "$PY not found"
say "environment: $("$PY" -c 'import sys, numpy, torch
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, "
      f"numpy {numpy.__version__}")')"

# ------------------------------------------------------- 2. install
WORK="$(mktemp -d "${TMPDIR:-/tmp}/verify_bundle.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SITE="$WORK/site"
start=$(date +%s%N)
"$PY" -m pip install -q --disable-pip-version-check --no-index --no-deps \
    --no-compile --target "$SITE" "$BUNDLE"/*.whl
ms=$((($(date +%s%N) - start) / 1000000))
say "installed $(ls "$BUNDLE"/*.whl | wc -l) wheels" \
    "($(du -sm "$BUNDLE" | cut -f1) MiB bundle) into $SITE in" \
    "$((ms / 1000)).$(printf %03d $((ms % 1000))) s"
export PYTHONPATH="$SITE"

# ------------------------------------------------------- 3. imports
cd "$WORK"  # not the checkout: the installed package must be the one used
"$PY" - <<'EOF'
import importlib
import os
import sys

import mmcv
import mmcv.ops
import mmdet
import mmengine
import mmpretrain
import mmseg
import numpy as np
import torch

import mmselfsup_rot

for name in ('mmselfsup_rot', 'mmcv', 'mmdet', 'mmseg', 'mmpretrain'):
    mod = sys.modules[name]
    assert mod.__file__.startswith(os.environ['PYTHONPATH']), \
        f'{name} not from the bundle: {mod.__file__}'
for scope in ('mmpretrain', 'mmdet', 'mmseg'):
    importlib.import_module(f'{scope}.utils').register_all_modules(False)
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                      [20., 20., 30., 30.]])
scores = torch.tensor([0.9, 0.8, 0.7])
dets, keep = mmcv.ops.nms(boxes, scores, iou_threshold=0.5)
assert keep.tolist() == [0, 2], keep
print(f'[verify_bundle] imports ok: mmselfsup_rot '
      f'{mmselfsup_rot.__version__}, mmcv {mmcv.__version__} (ops, nms on '
      f'CPU ok), mmengine {mmengine.__version__}, mmpretrain '
      f'{mmpretrain.__version__}, mmdet {mmdet.__version__}, mmseg '
      f'{mmseg.__version__}, torch {torch.__version__}, numpy '
      f'{np.__version__}; cuda available: {torch.cuda.is_available()}')
EOF

# ------------------------------------------------------- 4. tree
# The checkout at the bundle's commit (MANIFEST.txt) without the package
# sources, so that the tests match the packaged code and import
# mmselfsup_rot from the bundle.
COMMIT="$(sed -n 's/^commit: //p' "$BUNDLE/MANIFEST.txt" 2>/dev/null || true)"
mkdir "$WORK/repo"
if [[ -n "$COMMIT" ]] &&
    git -C "$ROOT" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
    git -C "$ROOT" archive "$COMMIT" | tar -xf - -C "$WORK/repo"
    say "tests of commit $COMMIT"
else
    say "warning: the bundle's commit is not in this checkout; using the" \
        "working tree's tests"
    (cd "$ROOT" && tar -cf - --exclude=__pycache__ tests configs benchmarks \
        tools setup.cfg) | tar -xf - -C "$WORK/repo"
fi
rm -rf "$WORK/repo/mmselfsup_rot"

# ------------------------------------------------------- 5. gpu_check
if [[ -f "$WORK/repo/tools/gpu_check.py" ]]; then
    rc=0
    out="$("$PY" "$WORK/repo/tools/gpu_check.py" \
        --out "$WORK/gpu_check" 2>&1)" || rc=$?
    if "$PY" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'
    then
        [[ "$rc" == 0 ]] || die "gpu_check failed (rc=$rc): $out"
        say "gpu_check passed on the GPU"
    else
        [[ "$rc" != 0 && "$out" == *CUDA* && $(echo "$out" | wc -l) == 1 ]] ||
            die "expected gpu_check's one-line refusal naming CUDA," \
                "got rc=$rc: $out"
        say "gpu_check refused as expected without a GPU (rc=$rc): $out"
    fi
else
    say "warning: tools/gpu_check.py not found; skipped"
fi

# ------------------------------------------------------- 6. tests
cd "$WORK/repo"
NUMPY="$("$PY" -c 'import numpy; print(numpy.__version__)')"
say "running ${TESTS[*]} under numpy $NUMPY"
"$PY" -m pytest "${TESTS[@]}" -x -q -p no:cacheprovider
say "bundle verified: $BUNDLE"
