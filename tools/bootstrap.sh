#!/usr/bin/env bash
# Create (or refresh) the project environment with the pinned OpenMMLab stack.
#
#   bash tools/bootstrap.sh            # create/refresh ./.venv
#   VENV=/path/to/venv bash tools/bootstrap.sh
#
# Idempotent: a stamp file records the hash of the requirement files and of
# this script; when nothing changed the script returns in well under a second.
# mmcv 2.1.0 has no wheel for torch 2.14, so it is compiled from the PyPI
# sdist once (about 12 minutes on 2 CPU cores) and the wheel is cached in
# $MMSELFSUP_ROT_CACHE (default ~/.cache/mmselfsup_rot) for later runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3.11}"
CACHE="${MMSELFSUP_ROT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmselfsup_rot}"
MMCV_VERSION=2.1.0
JOBS="${MAX_JOBS:-$(nproc)}"

say() { echo "[bootstrap] $*"; }

stamp_of() {
    cat "$ROOT"/requirements/*.txt "$ROOT/tools/bootstrap.sh" \
        "$ROOT/setup.py" "$ROOT/setup.cfg" | sha256sum | cut -d' ' -f1
}

STAMP_FILE="$VENV/.mmselfsup_rot_stamp"
if [[ -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$(stamp_of)" ]]; then
    exit 0
fi

if ! command -v "$PYTHON" >/dev/null; then
    say "error: $PYTHON not found; set PYTHON=/path/to/python3.11" >&2
    exit 1
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
# pip warns about every missing local mirror folder; keep the log readable.
pip_quiet() {
    "$PY" -m pip --disable-pip-version-check -q "$@" 2>&1 |
        { grep -v "is ignored: it is neither a file nor a directory" || true; }
    return "${PIPESTATUS[0]}"
}
PIP=(pip_quiet install)

say "installing torch, torchvision and build tools (requirements/build.txt)"
"${PIP[@]}" --upgrade pip
"${PIP[@]}" -r "$ROOT/requirements/build.txt" 'numpy>=1.23,<2'

# mmcv: pick the flavour this machine can build and use.
TORCH_TAG="$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')"
FLAVOUR=cpu
if [[ "${FORCE_CUDA:-0}" == "1" ]] || { command -v nvcc >/dev/null &&
    "$PY" -c 'import torch,sys; sys.exit(not torch.cuda.is_available())'; }; then
    FLAVOUR=cuda
fi
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_TAG-$FLAVOUR"
mkdir -p "$WHEEL_DIR"

if ! "$PY" -c "import mmcv, mmcv.ops, sys; \
sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
    if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
        say "building mmcv $MMCV_VERSION with compiled $FLAVOUR ops from the"
        say "PyPI sdist: this takes about 12 minutes on 2 cores (once; the"
        say "wheel is cached in $WHEEL_DIR)"
        BUILD="$(mktemp -d)"
        trap 'rm -rf "$BUILD"' EXIT
        pip_quiet download --no-deps --no-binary :all: --no-build-isolation \
            "mmcv==$MMCV_VERSION" -d "$BUILD"
        tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
        SRC="$BUILD/mmcv-$MMCV_VERSION"
        # torch >= 2.10 headers require C++20; mmcv 2.1.0 asks for C++17.
        sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
        (
            cd "$SRC"
            export MMCV_WITH_OPS=1 MAX_JOBS="$JOBS"
            [[ "$FLAVOUR" == cuda ]] && export FORCE_CUDA=1
            # --no-build-isolation: build against the torch already here, and
            # with setuptools<81, which still provides pkg_resources.
            "$PY" -m pip wheel --no-build-isolation --no-deps -v . \
                -w "$WHEEL_DIR" >"$BUILD/build.log" 2>&1 || {
                tail -40 "$BUILD/build.log" >&2
                say "error: mmcv build failed (log above)" >&2
                exit 1
            }
        )
    else
        say "reusing cached mmcv wheel from $WHEEL_DIR"
    fi
    "${PIP[@]}" --no-deps "$WHEEL_DIR"/mmcv-*.whl
    # mmcv's own runtime requirements (the wheel is installed with --no-deps)
    "${PIP[@]}" addict packaging Pillow pyyaml yapf opencv-python "mmengine==0.10.7"
fi

say "installing OpenMMLab packages and test tools (requirements/*.txt)"
"${PIP[@]}" -r "$ROOT/requirements.txt" 'numpy>=1.23,<2'
say "installing mmselfsup_rot in editable mode"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"

"$PY" - <<'EOF'
import mmcv, mmcv.ops, mmdet, mmengine, mmpretrain, mmseg, torch
import mmselfsup_rot
print(f'[bootstrap] ok: torch {torch.__version__}, mmcv {mmcv.__version__}, '
      f'mmengine {mmengine.__version__}, mmpretrain {mmpretrain.__version__}, '
      f'mmdet {mmdet.__version__}, mmseg {mmseg.__version__}')
EOF
stamp_of >"$STAMP_FILE"
say "environment ready: $VENV"
