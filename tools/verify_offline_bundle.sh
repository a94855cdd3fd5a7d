#!/usr/bin/env bash
# Check a bundle written by tools/offline_bundle.sh the way a GPU node uses it.
#
#   bash tools/verify_offline_bundle.sh [--python-env ENV] [--allow-lite-mmcv]
#                                       [--skip-tests] BUNDLE_DIR
#
# 1. A Python 3.12 + torch 2.11.0 environment stands in for the node image
#    (torch, torchvision, numpy 2.x, opencv-python-headless, scikit-learn,
#    matplotlib, scipy, plus pytest for step 6), without setuptools:
#    --python-env uses an existing one; by default
#    $MMSELFSUP_ROT_CACHE/envs/node-py3.12-torch2.11.0 is created once from
#    PyPI and the setuptools that torch brought is removed from it (its
#    version recorded in torch-setuptools.txt). Two light node images sit
#    on top of it (a venv whose site-packages holds only setuptools and
#    adds the stand-in's site-packages): "torch" with the setuptools torch
#    brought (81: pkg_resources present), "new" with setuptools >= 82
#    (no pkg_resources) and "none" without setuptools (no pkg_resources,
#    no distutils). The stand-in itself is never modified again.
# 2. The bundle is installed the offline way into a fresh folder:
#    pip install --no-index --no-deps --target DIR BUNDLE_DIR/*.whl (timed).
# 3. The plugin and the whole stack are imported from that folder, every
#    mmdet/mmseg/mmpretrain module registered, and mmcv.ops.nms run on CPU
#    tensors.
# 4. The checkout at the bundle's commit (from MANIFEST.txt) is exported
#    without the package sources, so the code below imports the bundle's.
# 5. python tools/gpu_check.py must refuse in one line naming CUDA without a
#    GPU (pass with one); then, for each node image, the node's own command
#    bash tools/gpu_node_run.sh BUNDLE_DIR OUT --cpu-rehearsal
#    (install, setuptools fallbacks, import pre-flight, then every config
#    loaded and train, test and both transfers for a few iterations on the
#    CPU) must pass. --allow-lite-mmcv accepts a bundle whose mmcv has no
#    compiled ops (offline_bundle.sh --mmcv-flavour lite): mmdet and mmseg
#    need them, so both transfers are then skipped, not passed.
# 6. The pure-Python tests (utils, transforms, models) run against the
#    installed package under the environment's numpy (--skip-tests: not).
# Not part of `make test` (it needs the bundle and a second environment).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MMSELFSUP_ROT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmselfsup_rot}"
NODE_ENV=
BUNDLE=
PYBIN="${PYBIN:-}"
ALLOW_LITE=0
SKIP_TESTS=0
TESTS=(tests/test_utils tests/test_datasets/test_transforms tests/test_models)

say() { echo "[verify_bundle] $*"; }
die() {
    say "error: $*" >&2
    exit 1
}
while [[ $# -gt 0 ]]; do
    case "$1" in
    --python-env) NODE_ENV="$2"; shift 2 ;;
    --allow-lite-mmcv) ALLOW_LITE=1; shift ;;
    --skip-tests) SKIP_TESTS=1; shift ;;
    -h | --help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) BUNDLE="$1"; shift ;;
    esac
done
[[ -n "$BUNDLE" && -d "$BUNDLE" ]] ||
    die "usage: $0 [--python-env ENV] [--allow-lite-mmcv] [--skip-tests]" \
        "BUNDLE_DIR"
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
# The node images differ in their setuptools only: keep it out of the
# stand-in (else its pkg_resources would be found under setuptools 82 too).
if "$PY" -m pip show -q setuptools >/dev/null 2>&1; then
    "$PY" -c 'import importlib.metadata as m
print(m.version("setuptools"))' >"$NODE_ENV/torch-setuptools.txt"
    say "moving setuptools $(cat "$NODE_ENV/torch-setuptools.txt") out of" \
        "the stand-in into the node images"
    "$PY" -m pip uninstall -q -y setuptools
fi
TORCH_SETUPTOOLS="$(cat "$NODE_ENV/torch-setuptools.txt" 2>/dev/null ||
    echo '<82')"
[[ "$TORCH_SETUPTOOLS" == "<82" ]] || TORCH_SETUPTOOLS="==$TORCH_SETUPTOOLS"
CORE_SITE="$("$PY" -c 'import sysconfig
print(sysconfig.get_paths()["purelib"])')"

# A node image: a venv holding one setuptools that adds the stand-in's
# site-packages (with its .pth files) after its own.
node_image() {
    local name="$1" spec="$2" dir="$NODE_ENV-image-$1" site
    if [[ ! -x "$dir/bin/python" ]] ||
        ! "$dir/bin/python" -c 'import torch' 2>/dev/null; then
        rm -rf "$dir"
        "$PY" -c 'import sys; print(sys._base_executable)' >/dev/null
        "$("$PY" -c 'import sys; print(sys._base_executable)')" -m venv \
            --without-pip "$dir"
        site="$("$dir/bin/python" -c 'import sysconfig
print(sysconfig.get_paths()["purelib"])')"
        [[ -z "$spec" ]] ||
            "$PY" -m pip install -q --disable-pip-version-check --no-deps \
                --target "$site" "setuptools$spec" >&2
        echo "import site; site.addsitedir('$CORE_SITE')" \
            >"$site/zz_node_stand_in.pth"
    fi
    echo "$dir/bin/python"
}
IMAGES=(torch new none)
declare -A IMAGE_PY
IMAGE_PY[torch]="$(node_image torch "$TORCH_SETUPTOOLS")"
IMAGE_PY[new]="$(node_image new '>=82')"
IMAGE_PY[none]="$(node_image none '')"
for image in "${IMAGES[@]}"; do
    say "node image '$image': $("${IMAGE_PY[$image]}" - <<'EOF'
import importlib.metadata as m
import importlib.util as u
try:
    tools = f"setuptools {m.version('setuptools')}"
except m.PackageNotFoundError:
    tools = 'no setuptools'
print(f"{tools}, pkg_resources "
      f"{'present' if u.find_spec('pkg_resources') else 'absent'}, "
      f"distutils {'present' if u.find_spec('distutils') else 'absent'}")
EOF
)"
done
say "environment: $("$PY" -c 'import sys, numpy, torch
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, "
      f"numpy {numpy.__version__}")')"

# ------------------------------------------------------- 2. install
NPY="${IMAGE_PY[torch]}"  # steps 2-6 on the image with torch's setuptools
WORK="$(mktemp -d "${TMPDIR:-/tmp}/verify_bundle.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SITE="$WORK/site"
start=$(date +%s%N)
"$NPY" -m pip install -q --disable-pip-version-check --no-index --no-deps \
    --no-compile --target "$SITE" "$BUNDLE"/*.whl
ms=$((($(date +%s%N) - start) / 1000000))
BUNDLE_BYTES=$(cat "$BUNDLE"/*.whl | wc -c)
say "installed $(ls "$BUNDLE"/*.whl | wc -l) wheels" \
    "($BUNDLE_BYTES bytes, $((BUNDLE_BYTES / 1024 / 1024)) MiB) into $SITE" \
    "in $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
((BUNDLE_BYTES <= 64 * 1024 * 1024)) ||
    die "the bundle is over 64 MiB ($BUNDLE_BYTES bytes)"

# ------------------------------------------------------- 3. imports
cd "$WORK"  # not the checkout: the installed package must be the one used
ALLOW_LITE="$ALLOW_LITE" PYTHONPATH="$SITE" "$NPY" - <<'EOF'
import importlib
import os
import sys

import mmcv
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
try:
    import mmcv.ops
except ImportError as exc:
    if os.environ['ALLOW_LITE'] != '1':
        raise
    # mmdet's and mmseg's registries import mmcv.ops
    scopes = ('mmpretrain', )
    ops = f'no compiled ops ({exc}; allowed by --allow-lite-mmcv)'
else:
    scopes = ('mmpretrain', 'mmdet', 'mmseg')
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                          [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = mmcv.ops.nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2], keep
    ops = f'ops, nms on CPU ok, CUDA kernels: ' \
        f'{mmcv.ops.get_compiling_cuda_version()}'
for scope in scopes:
    importlib.import_module(f'{scope}.utils').register_all_modules(False)
print(f'[verify_bundle] imports ok: mmselfsup_rot '
      f'{mmselfsup_rot.__version__}, mmcv {mmcv.__version__} ({ops}), '
      f'mmengine {mmengine.__version__}, mmpretrain '
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
    say "checkout of commit $COMMIT"
else
    say "warning: the bundle's commit is not in this checkout; using the" \
        "working tree"
    (cd "$ROOT" && tar -cf - --exclude=__pycache__ tests configs benchmarks \
        tools setup.cfg) | tar -xf - -C "$WORK/repo"
fi
rm -rf "$WORK/repo/mmselfsup_rot"

# ------------------------------------------------------- 5. gpu_check
[[ -f "$WORK/repo/tools/gpu_node_run.sh" ]] ||
    die "tools/gpu_node_run.sh is not in the bundle's commit"
rc=0
out="$(PYTHONPATH="$SITE" "$NPY" "$WORK/repo/tools/gpu_check.py" \
    --out "$WORK/gpu_check" 2>&1)" || rc=$?
if PYTHONPATH="$SITE" "$NPY" -c 'import sys, torch
sys.exit(not torch.cuda.is_available())'; then
    HAVE_GPU=1
    [[ "$rc" == 0 ]] || die "gpu_check failed (rc=$rc): $out"
    say "gpu_check passed on the GPU"
else
    HAVE_GPU=0
    [[ "$rc" != 0 && "$out" == *CUDA* && $(echo "$out" | wc -l) == 1 ]] ||
        die "expected gpu_check's one-line refusal naming CUDA," \
            "got rc=$rc: $out"
    say "gpu_check refused as expected without a GPU (rc=$rc): $out"
fi

# The node's command, on the CPU, once per node image.
for image in "${IMAGES[@]}"; do
    node_out="$WORK/node-$image"
    say "node image '$image': bash tools/gpu_node_run.sh BUNDLE OUT" \
        "--cpu-rehearsal"
    start=$(date +%s)
    rc=0
    (cd "$WORK/repo" && PYTHON="${IMAGE_PY[$image]}" \
        GPU_NODE_LIMIT_S="${GPU_NODE_LIMIT_S:-3000}" \
        bash tools/gpu_node_run.sh "$BUNDLE" "$node_out" --cpu-rehearsal) ||
        rc=$?
    secs=$(($(date +%s) - start))
    grep -h '^\[gpu_node_run\]' "$node_out/node_run.log" | sed 's/^/    /'
    ALLOW_LITE="$ALLOW_LITE" "$NPY" - "$node_out/gpu_check.json" "$rc" \
        <<'EOF' ||
import json
import os
import sys

path, rc = sys.argv[1], int(sys.argv[2])
try:
    with open(path) as f:
        report = json.load(f)
except OSError:
    sys.exit(f'no report {path} (gpu_node_run exit {rc})')
bad = []
for check in report['checks']:
    print(f"    {check['name']:13s} {check['status']:4s} "
          f"{check['wall_s']:6.1f} s  {check['summary']}"
          + (f" -- {check['reason']}" if check['reason'] else ''))
    lite_skip = (check['name'].startswith('transfer_')
                 and check['status'] == 'skip'
                 and os.environ['ALLOW_LITE'] == '1')
    if check['status'] != 'pass' and not lite_skip:
        bad.append(check['name'])
if not report.get('complete', True):
    bad.append('incomplete report')
if bad or rc not in (0, 1):
    sys.exit(f'not passed: {", ".join(bad) or f"exit {rc}"}')
EOF
        {
            keep="${TMPDIR:-/tmp}/verify_bundle-node-$image-$(date +%s)"
            cp -r "$node_out" "$keep"
            die "node image '$image': the CPU rehearsal failed (output" \
                "kept in $keep)"
        }
    say "node image '$image': CPU rehearsal passed in $secs s"
done

# ------------------------------------------------------- 6. tests
if [[ "$SKIP_TESTS" == 1 ]]; then
    say "bundle verified (tests skipped): $BUNDLE"
    exit 0
fi
cd "$WORK/repo"
NUMPY="$("$NPY" -c 'import numpy; print(numpy.__version__)')"
say "running ${TESTS[*]} under numpy $NUMPY"
PYTHONPATH="$SITE" "$NPY" -m pytest "${TESTS[@]}" -x -q -p no:cacheprovider
say "bundle verified: $BUNDLE"
