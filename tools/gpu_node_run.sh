#!/usr/bin/env bash
# Run the GPU acceptance check on an offline GPU node from a bundle.
#
#   bash tools/gpu_node_run.sh BUNDLE_DIR OUT_DIR [tools/gpu_check.py options]
#
# For a node without network that has Python, a CUDA build of torch,
# numpy, opencv, scikit-learn, matplotlib and scipy (the bundle from
# tools/offline_bundle.sh adds the rest). Run it from this checkout;
# everything it writes goes to OUT_DIR (node_run.log, gpu_check.json,
# gpu_check.txt, logs/), the installed bundle to a temporary folder:
#   1. pip install --no-index --no-deps --no-compile --target TMP BUNDLE/*.whl
#   2. the node's own setuptools: where `import pkg_resources` (gone in
#      setuptools >= 82; mmengine needs it for the mmdet::/mmseg:: config
#      bases) or `from distutils import errors` (Python 3.12 has distutils
#      only through setuptools' start-up hook; every mmengine Runner
#      needs it) fails, the fallback of tools/node_compat/ for that module
#      alone goes on PYTHONPATH, after the bundle;
#   3. an import pre-flight (mmcv.ops with CUDA kernels, mmdet, mmseg,
#      mmpretrain, pkg_resources, distutils, the mmdet/mmseg install paths,
#      a CUDA GPU) that stops in seconds with one line per problem;
#   4. python tools/gpu_check.py --out OUT_DIR [options] under `timeout`,
#      so that the whole script ends within GPU_NODE_LIMIT_S seconds
#      (default 570); gpu_check rewrites its report before each section,
#      so a stopped run still leaves the sections before.
# Exit status: gpu_check's (0 accepted, 1 not), 3 when the install or the
# pre-flight failed, 124 when the time limit stopped the check.
# PYTHON (default python3) is the node's interpreter. With --cpu-rehearsal
# (passed on to gpu_check) no GPU is required: tools/verify_offline_bundle.sh
# rehearses the node this way on a CPU machine.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
LIMIT="${GPU_NODE_LIMIT_S:-570}"
START=$SECONDS

if [[ $# -lt 2 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'
    [[ $# -ge 1 && ("$1" == -h || "$1" == --help) ]] && exit 0
    exit 3
fi
BUNDLE="$1"
OUT="$2"
shift 2
REHEARSAL=0
for arg in "$@"; do
    [[ "$arg" == --cpu-rehearsal ]] && REHEARSAL=1
    [[ "$arg" == --out ]] && {
        echo "gpu_node_run: --out is OUT_DIR, the second argument" >&2
        exit 3
    }
done

mkdir -p "$OUT" || exit 3
OUT="$(cd "$OUT" && pwd)"
LOG="$OUT/node_run.log"
: >"$LOG"
say() { echo "[gpu_node_run] $*" | tee -a "$LOG"; }
fail() {
    say "error: $*"
    exit 3
}
elapsed() { echo $((SECONDS - START)); }

[[ -d "$BUNDLE" ]] || fail "no bundle folder $BUNDLE"
BUNDLE="$(cd "$BUNDLE" && pwd)"
shopt -s nullglob
WHEELS=("$BUNDLE"/*.whl)
shopt -u nullglob
[[ ${#WHEELS[@]} -gt 0 ]] || fail "no wheels in $BUNDLE"
command -v "$PY" >/dev/null || fail "python not found: $PY (set PYTHON)"
say "bundle $BUNDLE: ${#WHEELS[@]} wheels," \
    "$(sed -n 's/^commit: //p' "$BUNDLE/MANIFEST.txt" 2>/dev/null |
        sed 's/^/commit /')"
say "checkout $ROOT, python $("$PY" -c 'import sys
print(sys.version.split()[0])')"
bundle_commit="$(sed -n 's/^commit: //p' "$BUNDLE/MANIFEST.txt" 2>/dev/null)"
here="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || true)"
if [[ -n "$bundle_commit" && -n "$here" && "$here" != "$bundle_commit"* &&
    "$bundle_commit" != "$here"* ]]; then
    say "warning: the bundle was built from commit $bundle_commit, this" \
        "checkout is at $here"
fi

# ------------------------------------------------------------ 1. install
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gpu_node.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SITE="$WORK/site"
t0=$SECONDS
"$PY" -m pip install -q --disable-pip-version-check --no-index --no-deps \
    --no-compile --target "$SITE" "${WHEELS[@]}" >>"$LOG" 2>&1 ||
    fail "pip install --target failed (see $LOG)"
say "installed the bundle into $SITE in $((SECONDS - t0)) s"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"

# ------------------------------------------ 2. the node's own setuptools
COMPAT="$WORK/compat"
mkdir -p "$COMPAT"
if "$PY" -c 'import pkg_resources' >/dev/null 2>&1; then
    say "pkg_resources: the node's"
else
    cp "$ROOT/tools/node_compat/pkg_resources.py" "$COMPAT/"
    say "pkg_resources: none on the node (setuptools >= 82, or none):" \
        "using tools/node_compat/pkg_resources.py (importlib.metadata)"
fi
if "$PY" -c 'from distutils import errors' >/dev/null 2>&1; then
    say "distutils: the node's"
else
    cp -r "$ROOT/tools/node_compat/distutils" "$COMPAT/"
    say "distutils: none on the node: using tools/node_compat/distutils" \
        "(distutils.errors only)"
fi
[[ -z "$(ls -A "$COMPAT")" ]] || export PYTHONPATH="$PYTHONPATH:$COMPAT"

# ------------------------------------------------------ 3. pre-flight
cd "$ROOT" || fail "cannot enter $ROOT"
t0=$SECONDS
REHEARSAL="$REHEARSAL" SITE="$SITE" timeout 180 "$PY" - >>"$LOG" 2>&1 <<'EOF'
import importlib
import os
import sys
import warnings

warnings.simplefilter('ignore')  # pkg_resources' deprecation notice
rehearsal = os.environ['REHEARSAL'] == '1'
problems, notes = [], []


def need(name):
    try:
        return importlib.import_module(name)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [''])[0]
        problems.append(f'import {name}: {type(exc).__name__}: {first}')


for name in ('torch', 'mmengine', 'mmcv', 'mmpretrain', 'mmdet', 'mmseg',
             'mmselfsup_rot', 'pkg_resources', 'distutils.errors'):
    need(name)
for name in ('mmcv', 'mmengine', 'mmpretrain', 'mmdet', 'mmseg'):
    mod = sys.modules.get(name)
    if mod and not mod.__file__.startswith(os.environ['SITE']):
        problems.append(f'{name} comes from {mod.__file__}, not the bundle')
try:
    from mmcv.ops import get_compiling_cuda_version
    cuda_ops = get_compiling_cuda_version()
except Exception as exc:
    cuda_ops = None
    (notes if rehearsal else problems).append(
        f'mmcv.ops: {type(exc).__name__}: {exc}')
if not rehearsal and cuda_ops == 'not available':
    problems.append('mmcv was compiled without CUDA kernels')
if 'mmengine' in sys.modules and 'pkg_resources' in sys.modules:
    from mmengine.utils import get_installed_path
    for pkg in ('mmdet', 'mmsegmentation'):
        try:
            get_installed_path(pkg)
        except Exception as exc:
            problems.append(f'mmengine cannot locate {pkg} (the mmdet::/'
                            f'mmseg:: config bases): {exc}')
if 'torch' in sys.modules:
    import torch
    if not rehearsal and not torch.cuda.is_available():
        problems.append(f'no CUDA GPU: torch {torch.__version__}, '
                        'torch.cuda.is_available() is False')
if problems:
    print('pre-flight failed: ' + '; '.join(problems))
    sys.exit(1)
import mmcv, mmdet, mmengine, mmpretrain, mmseg, torch  # noqa: E401,E402
gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'
print(f'pre-flight ok: torch {torch.__version__} (CUDA {torch.version.cuda},'
      f' GPU: {gpu}), mmcv {mmcv.__version__} (ops: {cuda_ops}), mmengine '
      f'{mmengine.__version__}, mmpretrain {mmpretrain.__version__}, mmdet '
      f'{mmdet.__version__}, mmseg {mmseg.__version__}'
      + ''.join(f'; note: {n}' for n in notes))
EOF
rc=$?
line="$(grep -E '^pre-flight (ok|failed)' "$LOG" | tail -1)"
if [[ $rc != 0 ]]; then
    [[ $rc == 124 ]] && line="pre-flight: the imports took over 180 s"
    [[ -n "$line" ]] ||
        line="pre-flight crashed (rc=$rc): $(grep -v '^\[' "$LOG" | tail -1)"
    fail "$line ($((SECONDS - t0)) s; log: $LOG)"
fi
say "$line ($((SECONDS - t0)) s)"

# ------------------------------------------------------- 4. the check
left=$((LIMIT - $(elapsed) - 5))
((left > 60)) || fail "only $left s left of GPU_NODE_LIMIT_S=$LIMIT"
budget=()
if [[ " $* " != *" --budget "* ]]; then
    default=480
    [[ "$REHEARSAL" == 1 ]] && default=1380
    ((left - 30 < default)) && default=$((left - 30))
    budget=(--budget "$default")
fi
say "running tools/gpu_check.py --out $OUT ${budget[*]} $* (stopped after" \
    "$left s)"
timeout --signal=TERM --kill-after=15 "$left" \
    "$PY" tools/gpu_check.py --out "$OUT" "${budget[@]}" "$@" 2>&1 |
    tee -a "$LOG"
rc=${PIPESTATUS[0]}
if [[ $rc == 124 || $rc == 137 ]]; then
    say "the time limit stopped gpu_check after $left s: $OUT/gpu_check.json" \
        "holds the sections before"
    rc=124
fi
verdict="$(grep -h '^RESULT:' "$OUT/gpu_check.txt" 2>/dev/null | tail -1)"
say "done in $(elapsed) s, exit $rc${verdict:+: $verdict}"
exit "$rc"
