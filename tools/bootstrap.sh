#!/usr/bin/env bash
# Create (or refresh) the project environment with the pinned OpenMMLab stack.
#
#   bash tools/bootstrap.sh              # ./.venv with a pure-Python mmcv
#   bash tools/bootstrap.sh --with-ops   # ... with mmcv's compiled ops
#   VENV=/path/to/venv bash tools/bootstrap.sh
#
# The default installs mmcv 2.1.0 without compiled ops ("lite", seconds):
# pretraining, linear/kNN/SVM evaluation and `make demo` never use mmcv.ops.
# --with-ops (`make env-full`, `make test`) installs mmcv with compiled ops,
# which the mmdet/mmseg transfer benchmarks need: the cuda flavour when torch
# sees a GPU, else cpu. MMCV_FLAVOUR=lite|cpu|cuda forces a flavour. The
# wheels come from tools/build_mmcv.sh, which compiles them from the PyPI
# sdist once (cpu: about 12 minutes on 2 cores) and caches them in
# $MMSELFSUP_ROT_CACHE (default ~/.cache/mmselfsup_rot).
#
# Idempotent: a stamp file records the hash of the requirement files and of
# the set-up scripts, and the mmcv flavour; when nothing changed the script
# returns in well under a second.
#
# The terminal shows the [bootstrap] / [build_mmcv] progress lines only; the
# output of pip and of the builds goes to $VENV/bootstrap.log (BOOTSTRAP_LOG
# overrides), and an error prints that path and the log's last lines.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3.11}"
MMCV_VERSION=2.1.0

WITH_OPS=0
for arg in "$@"; do
    case "$arg" in
    --with-ops) WITH_OPS=1 ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "[bootstrap] error: unknown argument $arg" >&2; exit 2 ;;
    esac
done
case "${MMCV_FLAVOUR:-}" in
'' | lite | cpu | cuda) ;;
*) echo "[bootstrap] error: MMCV_FLAVOUR must be lite, cpu or cuda" >&2
   exit 2 ;;
esac

say() { echo "[bootstrap] $*"; }

stamp_of() {
    cat "$ROOT"/requirements/*.txt "$ROOT/tools/bootstrap.sh" \
        "$ROOT/tools/build_mmcv.sh" "$ROOT/setup.py" "$ROOT/setup.cfg" |
        sha256sum | cut -d' ' -f1
}

# Fast path. The stamp is "<hash> <flavour>". Without --with-ops any flavour
# will do; with it, a compiled one (cpu is redone when a GPU appeared);
# MMCV_FLAVOUR must match exactly.
STAMP_FILE="$VENV/.mmselfsup_rot_stamp"
if [[ -f "$STAMP_FILE" ]]; then
    read -r s_hash s_flavour <"$STAMP_FILE" || true
    if [[ "$s_hash" == "$(stamp_of)" ]]; then
        if [[ -n "${MMCV_FLAVOUR:-}" ]]; then
            [[ "$s_flavour" == "$MMCV_FLAVOUR" ]] && exit 0
        elif [[ "$WITH_OPS" == 0 ]]; then
            exit 0
        elif [[ "$s_flavour" == cuda ]] ||
            [[ "$s_flavour" == cpu && ! -e /dev/nvidiactl ]]; then
            exit 0
        fi
    fi
fi

if ! command -v "$PYTHON" >/dev/null; then
    say "error: $PYTHON not found; set PYTHON=/path/to/python3.11" >&2
    exit 1
fi

mkdir -p "$VENV"
LOG="${BOOTSTRAP_LOG:-$VENV/bootstrap.log}"
echo "bootstrap of $VENV started $(date -Is)" >"$LOG"
say "tool output: $LOG"
# A failed step: where to look, and the end of the log.
fail() {
    {
        say "error: $1 failed (exit $2); last lines of $LOG:"
        # (pip's notes about absent local mirror folders are left out)
        { grep -v "is ignored: it is neither a file nor a directory" "$LOG" ||
            true; } | tail -n 30 | sed 's/^/    /'
        say "error: $1 failed; full log: $LOG"
    } >&2
    exit 1
}
# Run a command with its output in the log only.
logged() {
    local what="$1" rc=0
    shift
    echo "+ $*" >>"$LOG"
    "$@" >>"$LOG" 2>&1 || rc=$?
    [[ "$rc" == 0 ]] || fail "$what" "$rc"
}

if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating virtual environment $VENV"
    logged "creating the virtual environment" "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_install() {
    logged "pip install $*" "$PY" -m pip --disable-pip-version-check \
        install "$@"
}
PIP=(pip_install)

say "installing torch, torchvision and build tools (requirements/build.txt)"
"${PIP[@]}" --upgrade pip
"${PIP[@]}" -r "$ROOT/requirements/build.txt" 'numpy>=1.23,<2'

# mmcv: lite unless compiled ops are asked for.
FLAVOUR="${MMCV_FLAVOUR:-}"
if [[ -z "$FLAVOUR" ]]; then
    FLAVOUR=lite
    if [[ "$WITH_OPS" == 1 ]]; then
        FLAVOUR=cpu
        if "$PY" -c 'import sys, torch
sys.exit(not torch.cuda.is_available())' 2>>"$LOG"; then
            FLAVOUR=cuda
        fi
    fi
fi
# The installed mmcv: none, lite, cpu or cuda (CUDA builds link c10_cuda).
installed_flavour() {
    "$PY" - 2>>"$LOG" <<'EOF'
import importlib.metadata as md
try:
    files = md.files('mmcv') or []
except md.PackageNotFoundError:
    files = None
ext = [f for f in files or [] if f.name.startswith('_ext')]
if files is None:
    print('none')
elif not ext:
    print('lite')
else:
    print('cuda' if b'c10_cuda' in ext[0].locate().read_bytes() else 'cpu')
EOF
}
HAVE="$(installed_flavour)" || fail "reading the installed mmcv" $?
# A compiled flavour already installed is kept by the default (lite) run.
if [[ -z "${MMCV_FLAVOUR:-}" && "$FLAVOUR" == lite &&
    ("$HAVE" == cpu || "$HAVE" == cuda) ]]; then
    FLAVOUR="$HAVE"
fi
MARKER="$VENV/.mmselfsup_rot_mmcv"
say "mmcv $MMCV_VERSION flavour: $FLAVOUR"
# build_mmcv.sh prints the wheel's path on stdout; of its messages only its
# own [build_mmcv] lines reach the terminal, all of them the log.
WHEEL_OUT="$VENV/.mmselfsup_rot_wheel"
rc=0
bash "$ROOT/tools/build_mmcv.sh" --python "$PY" --flavour "$FLAVOUR" \
    2>&1 >"$WHEEL_OUT" | tee -a "$LOG" |
    { grep --line-buffered '^\[build_mmcv\]' >&2 || true; } || rc=$?
[[ "$rc" == 0 ]] || fail "building mmcv $MMCV_VERSION ($FLAVOUR)" "$rc"
WHEEL="$(tail -1 "$WHEEL_OUT")"
rm -f "$WHEEL_OUT"
if [[ "$HAVE" != "$FLAVOUR" ||
    "$(cat "$MARKER" 2>/dev/null)" != "$FLAVOUR $WHEEL" ]]; then
    say "installing $(basename "$WHEEL")"
    # --force-reinstall: lite and compiled wheels are both mmcv 2.1.0
    "${PIP[@]}" --no-deps --force-reinstall "$WHEEL"
    echo "$FLAVOUR $WHEEL" >"$MARKER"
fi
# mmcv's own runtime requirements (the wheel is installed with --no-deps)
"${PIP[@]}" addict packaging Pillow pyyaml yapf opencv-python \
    "mmengine==0.10.7" 'numpy>=1.23,<2'

say "installing OpenMMLab packages and test tools (requirements/*.txt)"
"${PIP[@]}" -r "$ROOT/requirements.txt" 'numpy>=1.23,<2'
say "installing mmselfsup_rot in editable mode"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"

say "checking the imports"
rc=0
"$PY" - "$FLAVOUR" 2>>"$LOG" <<'EOF' || rc=$?
import importlib.util
import sys

import mmcv, mmdet, mmengine, mmpretrain, mmseg, torch  # noqa: E401
import mmselfsup_rot  # noqa: F401

flavour = sys.argv[1]
ops = importlib.util.find_spec('mmcv._ext') is not None
if ops != (flavour != 'lite'):
    sys.exit(f'[bootstrap] error: mmcv flavour {flavour} but compiled ops '
             f'{"present" if ops else "missing"}')
if ops:
    import mmcv.ops  # noqa: F401
print(f'[bootstrap] ok: torch {torch.__version__}, mmcv {mmcv.__version__} '
      f'({flavour}), mmengine {mmengine.__version__}, '
      f'mmpretrain {mmpretrain.__version__}, mmdet {mmdet.__version__}, '
      f'mmseg {mmseg.__version__}')
EOF
[[ "$rc" == 0 ]] || fail "the import check" "$rc"
echo "$(stamp_of) $FLAVOUR" >"$STAMP_FILE"
say "environment ready: $VENV"
