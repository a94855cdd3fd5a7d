#!/usr/bin/env bash
# Write the wheels an air-gapped GPU node needs to run this project.
#
#   bash tools/offline_bundle.sh [--python 3.12] [--torch 2.11.0] \
#       [--cuda-arch 9.0] [--python-bin /path/to/python3.12] \
#       [--mmcv-flavour cuda|cpu|lite] OUT_DIR
#
# The target node is assumed to have Python, a CUDA build of torch (and
# torchvision), numpy (1.x or 2.x), opencv-python(-headless), scikit-learn,
# matplotlib and scipy, but no network. OUT_DIR receives, within 64 MiB:
#   - mmcv 2.1.0 with CUDA ops for that Python/torch/arch, debug info
#     stripped (compiled by tools/build_mmcv.sh in a build environment
#     $MMSELFSUP_ROT_CACHE/envs/py<ver>-torch<ver>, created when missing;
#     the first build takes about an hour on 2 cores, later runs reuse it);
#   - mmengine 0.10.7, mmpretrain 1.2.0, mmdet 3.3.0, mmsegmentation 1.2.2;
#   - the small dependencies of those that such an image lacks;
#   - this project as a wheel;
#   - MANIFEST.txt (versions, sizes, sha256, the install command).
# On the node, from a checkout of the bundle's commit (install, setuptools
# fallbacks, import pre-flight, the GPU check under a time limit):
#   bash tools/gpu_node_run.sh OUT_DIR RESULTS_DIR
# Check a bundle on this machine: bash tools/verify_offline_bundle.sh OUT_DIR
# --mmcv-flavour cpu|lite makes a bundle for that CPU rehearsal only (no
# CUDA kernels; lite: no compiled ops at all), in minutes instead of the
# CUDA build's hour; the MANIFEST says so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MMSELFSUP_ROT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmselfsup_rot}"
PYVER=3.12
TORCH=2.11.0
ARCH=9.0
PYBIN=
MMCV_FLAVOUR=cuda
OUT=
MAX_BYTES=$((64 * 1024 * 1024))

say() { echo "[offline_bundle] $*" >&2; }
die() {
    say "error: $*"
    exit 1
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --python) PYVER="$2"; shift 2 ;;
    --torch) TORCH="$2"; shift 2 ;;
    --cuda-arch) ARCH="$2"; shift 2 ;;
    --python-bin) PYBIN="$2"; shift 2 ;;
    --mmcv-flavour | --mmcv-flavor) MMCV_FLAVOUR="$2"; shift 2 ;;
    -h | --help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [[ -z "$OUT" ]] || die "one OUT_DIR only"; OUT="$1"; shift ;;
    esac
done
[[ -n "$OUT" ]] ||
    die "usage: $0 [--python X.Y] [--torch X.Y.Z] [--cuda-arch A]" \
        "[--mmcv-flavour cuda|cpu|lite] OUT_DIR"
case "$MMCV_FLAVOUR" in
cuda | cpu | lite) ;;
*) die "--mmcv-flavour must be cuda, cpu or lite" ;;
esac

# The stack (exact pins) and the dependencies such an image lacks, pinned to
# the versions the project's environment (tools/bootstrap.sh) is tested
# with. Pure Python except pyyaml, regex, pycocotools and shapely
# (manylinux wheels for the target Python).
STACK=(mmengine==0.10.7 mmpretrain==1.2.0 mmdet==3.3.0 mmsegmentation==1.2.2)
DEPS=(
    # mmengine / mmcv
    addict==2.4.0 yapf==0.43.0 platformdirs==4.14.9 termcolor==3.3.0
    rich==15.0.0 markdown-it-py==4.3.0 mdurl==0.1.2 pygments==2.21.0
    pyyaml==6.0.4
    # mmpretrain (modelindex is an alias of model-index)
    einops==0.8.2 mat4py==0.6.0 modelindex==0.0.2 model-index==0.1.11
    ordered-set==4.1.0 click==8.5.1 markdown==3.11.3
    importlib-metadata==10.2.0 zipp==4.1.2 lazy-importer==0.1.0
    # mmdet
    pycocotools==2.0.11 shapely==2.2.0 terminaltables==3.1.10 tqdm==4.70.1
    six==1.17.0
    # mmseg (ftfy and regex are imported by mmseg.utils, not declared)
    prettytable==3.18.0 wcwidth==0.9.4 ftfy==6.3.1 regex==2026.11.19
)

# ------------------------------------------------------------ build env
ENV="$CACHE/envs/py$PYVER-torch$TORCH"
if [[ ! -x "$ENV/bin/python" ]] ||
    ! "$ENV/bin/python" -c "import torch, sys
sys.exit(torch.__version__.split('+')[0] != '$TORCH')" 2>/dev/null; then
    if [[ -z "$PYBIN" ]]; then
        PYBIN="$(command -v "python$PYVER" || true)"
        [[ -n "$PYBIN" ]] || PYBIN="$(ls -d \
            "$HOME"/.pyenv/versions/"$PYVER"*/bin/python"$PYVER" \
            2>/dev/null | tail -1)"
    fi
    [[ -n "$PYBIN" && -x "$PYBIN" ]] ||
        die "no python$PYVER found: pass --python-bin /path/to/python$PYVER"
    say "creating the build environment $ENV (torch $TORCH from PyPI)"
    rm -rf "$ENV"
    "$PYBIN" -m venv "$ENV"
    "$ENV/bin/python" -m pip -q install --upgrade pip
    "$ENV/bin/python" -m pip -q install "torch==$TORCH" 'setuptools>=77,<81' \
        wheel ninja numpy
fi
PY="$ENV/bin/python"
"$PY" -c "import sys; assert sys.version.startswith('$PYVER.'), sys.version"
PYTAG="$("$PY" -c 'import sys; print("%d%d" % sys.version_info[:2])')"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
rm -f "$OUT"/*.whl "$OUT/MANIFEST.txt"

# ---------------------------------------------------- OpenMMLab + deps
say "downloading ${#STACK[@]} OpenMMLab wheels and ${#DEPS[@]} dependencies"
"$PY" -m pip -q download --no-deps --only-binary :all: \
    --python-version "$PYVER" --implementation cp --abi "cp$PYTAG" \
    --abi abi3 --abi none --platform manylinux_2_28_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform any \
    -d "$OUT" "${STACK[@]}" "${DEPS[@]}" 2>&1 |
    { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2

# ----------------------------------------------------------- this project
# From the committed tree (HEAD), so that the bundle matches its MANIFEST.
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
say "building the mmselfsup_rot wheel from commit $COMMIT"
SRC="$(mktemp -d "${TMPDIR:-/tmp}/offline_bundle.XXXXXX")"
trap 'rm -rf "$SRC"' EXIT
git -C "$ROOT" archive HEAD | tar -xf - -C "$SRC"
(cd "$SRC" && "$PY" -m pip -q wheel --no-deps --no-build-isolation . \
    -w "$OUT" 2>&1 |
    { grep -v "is ignored: it is neither a file nor a directory" ||
        true; }) >&2

# ------------------------------------------------------------------ mmcv
# Last: the only step that may take long (waits for a build of the same
# wheel already running).
say "mmcv 2.1.0, $MMCV_FLAVOUR flavour, TORCH_CUDA_ARCH_LIST=$ARCH"
[[ "$MMCV_FLAVOUR" == cuda ]] ||
    say "warning: a $MMCV_FLAVOUR mmcv has no CUDA kernels: this bundle" \
        "is for the CPU rehearsal (tools/verify_offline_bundle.sh) only"
TORCH_CUDA_ARCH_LIST="$ARCH" bash "$ROOT/tools/build_mmcv.sh" \
    --python "$PY" --flavour "$MMCV_FLAVOUR" --out "$OUT" >/dev/null

# ----------------------------------------------------------------- check
total=$(cat "$OUT"/*.whl | wc -c)
{
    echo "mmselfsup_rot offline bundle"
    echo "commit: $COMMIT"
    echo "target: CPython $PYVER, torch $TORCH" \
        "(CUDA $("$PY" -c 'import torch; print(torch.version.cuda)'))," \
        "sm arch $ARCH"
    echo "mmcv: $MMCV_FLAVOUR$([[ "$MMCV_FLAVOUR" == cuda ]] ||
        echo ' (no CUDA kernels: for the CPU rehearsal only)')"
    echo "run: bash tools/gpu_node_run.sh $OUT RESULTS_DIR (in a checkout" \
        "of this commit)"
    echo "total: $total bytes ($((total / 1024 / 1024)) MiB)"
    echo
    (cd "$OUT" && for w in *.whl; do
        printf '%10d  %s  %s\n' "$(wc -c <"$w")" \
            "$(sha256sum "$w" | cut -c1-16)" "$w"
    done)
} >"$OUT/MANIFEST.txt"
cat "$OUT/MANIFEST.txt" >&2
((total <= MAX_BYTES)) ||
    die "bundle is $total bytes, over the 64 MiB limit"
say "bundle ready: $OUT ($(ls "$OUT"/*.whl | wc -l) wheels," \
    "$((total / 1024 / 1024)) MiB)"
