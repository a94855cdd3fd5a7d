#!/usr/bin/env bash
# Build (or reuse) an mmcv 2.1.0 wheel for one Python + torch + flavour.
#
#   bash tools/build_mmcv.sh --python PY --flavour lite|cpu|cuda [--out DIR]
#                            [--verbose] [--preflight-only]
#   bash tools/build_mmcv.sh --explain-log LOG   # first error of a build log
#
# PY is an interpreter (venv) that already has torch, setuptools<81 and
# wheel. The path of the wheel is printed on the last line of stdout; all
# messages go to stderr.
#
# flavours
#   lite  pure Python, no compiled ops (mmcv.ops unavailable); seconds. The
#         wheel keeps the distribution name `mmcv`, so it satisfies the
#         `mmcv>=2.0.0,<2.2.0` requirement of mmpretrain, mmdet and mmseg.
#   cpu   compiled CPU ops (about 12 minutes on 2 cores).
#   cuda  compiled CPU + CUDA ops. Architectures: TORCH_CUDA_ARCH_LIST, else
#         the compute capabilities of the visible GPUs; without a GPU
#         (cross-compiling) TORCH_CUDA_ARCH_LIST is required.
#
# The CUDA compiler: the system nvcc ($CUDA_HOME/bin, $CUDA_PATH/bin or the
# PATH) only when its release equals torch.version.cuda; otherwise the
# matching PyPI wheels nvidia-cuda-nvcc/-crt/nvvm/-cccl==X.Y.* are installed
# into $CACHE/cuda/cuX.Y and combined with the CUDA headers and libraries
# that torch's own nvidia-* dependencies put in the environment.
# MMCV_CUDA_COMPILER=system|pypi|auto (default auto) forces the choice.
# Either way the CUDA headers and libraries of torch's own nvidia-* wheels
# (site-packages/nvidia/cuXX, or nvidia/*/ for CUDA 12 wheels) are put on
# the include and library paths (CPATH, LIBRARY_PATH): a system toolkit that
# has nvcc and the runtime but not the math libraries (cusparse.h,
# cublas_v2.h, ... which ATen/cuda/CUDAContext.h includes) still builds.
# MMCV_CUDA_LIBS_DIR=DIR (with include/ and lib/) replaces that folder;
# MMCV_CUDA_LIBS_DIR=none uses the toolkit alone.
# Before the long build a pre-flight compiles one small .cu file that
# includes ATen/cuda/CUDAContext.h with the chosen compiler and flags (a few
# seconds) and stops in one line naming a missing header and the fix.
# --preflight-only stops after it (cuda flavour).
#
# Two fixes are applied to the sdist: `-std=c++17` becomes `-std=c++20`
# (torch >= 2.10 headers need C++20), and the build runs without build
# isolation inside PY, whose setuptools<81 still has pkg_resources.
# The debug info of mmcv/_ext*.so is stripped (the build passes -g) and the
# wheel repacked with `python -m wheel pack` (RECORD regenerated).
#
# Wheels are cached in $MMSELFSUP_ROT_CACHE (default ~/.cache/mmselfsup_rot)
# under wheels/mmcv-2.1.0/<flavour>[-<python tag>-torch<ver>[-cu<X.Y>-arch
# <list>]]/ and reused.
set -euo pipefail

MMCV_VERSION=2.1.0
CACHE="${MMSELFSUP_ROT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmselfsup_rot}"
PY=python3
FLAVOUR=
OUT=
VERBOSE=0
PREFLIGHT_ONLY=0
EXPLAIN_LOG=

say() { echo "[build_mmcv] $*" >&2; }
die() {
    say "error: $*"
    exit 1
}
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; }
# The first failing object and its first error, not pip's traceback.
first_compile_error() {
    # pip -v indents the build's output
    local log="$1" failed err done_
    failed="$(grep -m1 -E '^ *FAILED: ' "$log" | sed 's/^ *FAILED: //' ||
        true)"
    done_="$(grep -oE '^ *\[[0-9]+/[0-9]+\]' "$log" | tail -1 | tr -d ' ' ||
        true)"
    if [[ -n "$failed" ]]; then
        err="$(sed -n '/^ *FAILED: /,$p' "$log" |
            grep -m1 -E '(fatal )?error( #[0-9A-Za-z-]+)?:' |
            sed 's/^ *//' || true)"
        say "first failure${done_:+ (ninja at $done_)}: $failed"
        say "  ${err:-no error line; see the log}"
    else
        err="$(grep -m1 -E '(fatal )?error:' "$log" | sed 's/^ *//' || true)"
        say "first error: ${err:-none found; see the log}"
    fi
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --python) PY="$2"; shift 2 ;;
    --flavour | --flavor) FLAVOUR="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --verbose) VERBOSE=1; shift ;;
    --preflight-only) PREFLIGHT_ONLY=1; shift ;;
    --explain-log) EXPLAIN_LOG="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage; die "unknown argument: $1" ;;
    esac
done
if [[ -n "$EXPLAIN_LOG" ]]; then
    [[ -f "$EXPLAIN_LOG" ]] || die "no log $EXPLAIN_LOG"
    first_compile_error "$EXPLAIN_LOG"
    exit 0
fi
case "$FLAVOUR" in
lite | cpu | cuda) ;;
*) usage; die "--flavour must be lite, cpu or cuda (got '$FLAVOUR')" ;;
esac
[[ "$PREFLIGHT_ONLY" == 0 || "$FLAVOUR" == cuda ]] ||
    die "--preflight-only checks the CUDA compiler: use --flavour cuda"
command -v "$PY" >/dev/null || die "python not found: $PY"
PY="$(command -v "$PY")"
[[ "$PY" == /* ]] || PY="$PWD/$PY"  # the build runs in another folder

# pip warns about every missing local mirror folder; keep the output short.
pip_q() {
    "$PY" -m pip --disable-pip-version-check -q "$@" 2>&1 |
        { grep -v "is ignored: it is neither a file nor a directory" ||
            true; } >&2
    return "${PIPESTATUS[0]}"
}

# ---------------------------------------------------------------- cache key
read -r PYTAG TORCH_VER TORCH_CUDA TORCH_DIR < <("$PY" - <<'EOF'
import os.path as osp
import sys
try:
    import torch
    ver = torch.__version__.split('+')[0]
    cuda = torch.version.cuda or 'none'
    where = osp.dirname(torch.__file__)
except ImportError:
    ver, cuda, where = 'none', 'none', 'none'
print(f'cp{sys.version_info[0]}{sys.version_info[1]} {ver} {cuda} {where}')
EOF
)
if [[ "$FLAVOUR" != lite && "$TORCH_VER" == none ]]; then
    die "$PY has no torch; the $FLAVOUR flavour compiles against torch"
fi

ARCH_LIST=
if [[ "$FLAVOUR" == cuda ]]; then
    [[ "$TORCH_CUDA" != none ]] ||
        die "torch $TORCH_VER in $PY is a CPU-only build: the cuda flavour" \
            "needs a CUDA build of torch"
    ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-}"
    if [[ -z "$ARCH_LIST" ]]; then
        ARCH_LIST="$("$PY" -c 'import torch
n = torch.cuda.device_count() if torch.cuda.is_available() else 0
caps = {"%d.%d" % torch.cuda.get_device_capability(i) for i in range(n)}
print(";".join(sorted(caps)))')"
        [[ -n "$ARCH_LIST" ]] ||
            die "no GPU is visible, so the CUDA architectures cannot be" \
                "detected: set TORCH_CUDA_ARCH_LIST to cross-compile (e.g." \
                "TORCH_CUDA_ARCH_LIST=9.0 for H100/H200, 8.0 for A100)"
        say "TORCH_CUDA_ARCH_LIST not set: using the visible GPUs' $ARCH_LIST"
    fi
    export TORCH_CUDA_ARCH_LIST="$ARCH_LIST"
fi

case "$FLAVOUR" in
lite) KEY=lite ;;
cpu) KEY="cpu-$PYTAG-torch$TORCH_VER" ;;
cuda)
    ARCH_KEY="$(echo "$ARCH_LIST" | tr ' ;,' '___' | tr -s '_')"
    KEY="cuda-$PYTAG-torch$TORCH_VER-cu$TORCH_CUDA-arch$ARCH_KEY"
    ;;
esac
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION/$KEY"
mkdir -p "$WHEEL_DIR"

emit() {  # copy to --out if asked, print the path
    local whl="$1"
    if [[ -n "$OUT" ]]; then
        mkdir -p "$OUT"
        cp -f "$whl" "$OUT/"
        whl="$OUT/$(basename "$whl")"
    fi
    echo "$whl"
}

cached() { ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -1; }

if [[ "$PREFLIGHT_ONLY" == 0 && -n "$(cached)" ]]; then
    say "reusing cached $FLAVOUR wheel $(cached)"
    emit "$(cached)"
    exit 0
fi
# One build per key at a time; a second caller waits, then reuses.
if [[ "$PREFLIGHT_ONLY" == 0 ]]; then
    exec 9>"$WHEEL_DIR/.lock"
    flock 9
fi
if [[ "$PREFLIGHT_ONLY" == 0 && -n "$(cached)" ]]; then
    say "reusing cached $FLAVOUR wheel $(cached)"
    emit "$(cached)"
    exit 0
fi

BUILD="$(mktemp -d "${TMPDIR:-/tmp}/build_mmcv.XXXXXX")"
trap 'rm -rf "$BUILD"' EXIT

# ------------------------------------------------------------- CUDA compiler
nvcc_release() {
    "$1" --version 2>/dev/null |
        sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -1
}

use_pypi_compiler() {
    local major="${TORCH_CUDA%%.*}"
    ((major >= 13)) ||
        die "the PyPI compiler path supports CUDA >= 13 (torch has" \
            "$TORCH_CUDA): install a CUDA $TORCH_CUDA toolkit and set" \
            "CUDA_HOME"
    local site tree csite env_site home
    csite="$CACHE/cuda/cu$TORCH_CUDA"
    tree="nvidia/cu$major"
    if [[ ! -x "$csite/$tree/bin/nvcc" ]]; then
        say "installing the CUDA $TORCH_CUDA compiler from PyPI into $csite"
        rm -rf "$csite.tmp"
        pip_q install --no-deps --target "$csite.tmp" \
            "nvidia-cuda-nvcc==$TORCH_CUDA.*" \
            "nvidia-cuda-crt==$TORCH_CUDA.*" \
            "nvidia-nvvm==$TORCH_CUDA.*" \
            "nvidia-cuda-cccl==$TORCH_CUDA.*"
        rm -rf "$csite"
        mv "$csite.tmp" "$csite"
    fi
    env_site="$("$PY" -c 'import sysconfig
print(sysconfig.get_paths()["purelib"])')"
    [[ -f "$env_site/$tree/include/cuda_runtime.h" ]] ||
        die "$env_site/$tree/include/cuda_runtime.h missing: torch's" \
            "nvidia-cuda-runtime wheel is expected in $PY's environment"
    # CUDA_HOME for torch.utils.cpp_extension: bin, include, lib64 with
    # unversioned .so names. A tree of symlinks merges the compiler wheels
    # with the runtime headers/libraries of torch's nvidia-* wheels.
    home="$BUILD/cuda_home"
    mkdir -p "$home"
    cp -rsf "$env_site/$tree/." "$home/"
    cp -rsf "$csite/$tree/." "$home/"
    mkdir -p "$home/lib"
    local f base
    for f in "$home"/lib/*.so.*; do
        [[ -e "$f" ]] || continue
        base="${f%%.so.*}.so"
        [[ -e "$base" ]] || ln -s "$(basename "$f")" "$base"
    done
    ln -sfn lib "$home/lib64"
    export CUDA_HOME="$home"
    export CPATH="$home/include/cccl${CPATH:+:$CPATH}"
    export PATH="$home/bin:$PATH"
    local pkgs
    pkgs="$(cd "$csite" && ls -d nvidia_*.dist-info | sed 's/\.dist-info$//' |
        tr '\n' ' ')"
    say "compiler: PyPI nvcc $(nvcc_release "$home/bin/nvcc") ($pkgs)" \
        "from $csite, CUDA_HOME=$home"
}

# The CUDA headers and libraries of torch's nvidia-* wheels: one folder
# nvidia/cuXX (CUDA >= 13 wheels) or one folder per library (CUDA 12).
torch_cuda_lib_dirs() {
    local site major d
    if [[ -n "${MMCV_CUDA_LIBS_DIR:-}" ]]; then
        [[ "$MMCV_CUDA_LIBS_DIR" == none ]] && return 0
        [[ -d "$MMCV_CUDA_LIBS_DIR/include" ]] ||
            die "MMCV_CUDA_LIBS_DIR=$MMCV_CUDA_LIBS_DIR has no include/"
        echo "$MMCV_CUDA_LIBS_DIR"
        return 0
    fi
    site="$(dirname "$TORCH_DIR")"
    major="${TORCH_CUDA%%.*}"
    if [[ -d "$site/nvidia/cu$major/include" ]]; then
        echo "$site/nvidia/cu$major"
        return 0
    fi
    for d in "$site"/nvidia/*/; do
        [[ -d "$d/include" ]] && echo "${d%/}"
    done
    return 0
}

use_torch_cuda_libs() {
    local dirs=() d f base links="$BUILD/cuda_libs"
    mapfile -t dirs < <(torch_cuda_lib_dirs)
    if [[ ${#dirs[@]} == 0 ]]; then
        local why="no nvidia-* wheels next to torch"
        [[ -z "${MMCV_CUDA_LIBS_DIR:-}" ]] || why="MMCV_CUDA_LIBS_DIR=none"
        say "CUDA headers and libraries: $CUDA_HOME only ($why)"
        return 0
    fi
    # After the toolkit's own -I (CPATH comes after the command line), so
    # the toolkit's headers win and the wheels fill in what it lacks.
    mkdir -p "$links"
    for d in "${dirs[@]}"; do
        export CPATH="${CPATH:+$CPATH:}$d/include"
        # the wheels ship only versioned names (libcusparse.so.12)
        for f in "$d"/lib/lib*.so.*; do
            [[ -e "$f" ]] || continue
            base="$links/$(basename "${f%%.so.*}").so"
            [[ -e "$base" ]] || ln -s "$f" "$base"
        done
    done
    export LIBRARY_PATH="${LIBRARY_PATH:+$LIBRARY_PATH:}$links"
    say "CUDA headers and libraries: $CUDA_HOME, then torch's nvidia-*" \
        "wheels (${dirs[*]})"
}

# Compile one small .cu file with the compiler and flags of the build; on
# failure name the first missing header or compiler error in one line.
preflight() {
    local dir="$BUILD/preflight" arch gencode=() flags log hdr err start pyinc
    mkdir -p "$dir"
    cat >"$dir/preflight.cu" <<'EOF'
#include <ATen/cuda/CUDAContext.h>
__global__ void preflight_kernel(float *x) { x[threadIdx.x] += 1.f; }
EOF
    arch="${ARCH_LIST%%[;, ]*}"
    arch="${arch%+PTX}"
    if [[ "$arch" =~ ^[0-9]+\.[0-9]+a?$ ]]; then
        arch="${arch/./}"
        gencode=("-gencode=arch=compute_$arch,code=sm_$arch")
    fi
    pyinc="$("$PY" -c 'import sysconfig
print(sysconfig.get_paths()["include"])')"
    flags=(-I"$TORCH_DIR/include"
        -I"$TORCH_DIR/include/torch/csrc/api/include" -I"$pyinc"
        -std=c++20 --expt-relaxed-constexpr "${gencode[@]}")
    log="$dir/preflight.log"
    start=$(date +%s)
    if "$CUDA_HOME/bin/nvcc" "${flags[@]}" -c "$dir/preflight.cu" \
        -o "$dir/preflight.o" >"$log" 2>&1 && [[ -s "$dir/preflight.o" ]]; then
        say "pre-flight ok: ATen/cuda/CUDAContext.h compiles with" \
            "$CUDA_HOME/bin/nvcc${gencode:+ (${gencode[0]#-gencode=})} in" \
            "$(($(date +%s) - start)) s"
        return 0
    fi
    cp "$log" "$WHEEL_DIR/preflight-failed.log"
    hdr="$(sed -n \
        's/.*fatal error: \([^:]*\): No such file or directory.*/\1/p' \
        "$log" | head -1)"
    if [[ -n "$hdr" ]]; then
        die "pre-flight: $CUDA_HOME/bin/nvcc cannot find $hdr (included" \
            "by ATen/cuda/CUDAContext.h); neither the toolkit nor torch's" \
            "nvidia-* wheels have it: install torch from PyPI with its" \
            "nvidia-* dependencies, use a complete CUDA $TORCH_CUDA toolkit," \
            "or point MMCV_CUDA_LIBS_DIR at a folder with include/$hdr" \
            "(log: $WHEEL_DIR/preflight-failed.log)"
    fi
    err="$(grep -m1 -i 'error' "$log" || head -1 "$log")"
    die "pre-flight: $CUDA_HOME/bin/nvcc cannot compile a file including" \
        "ATen/cuda/CUDAContext.h: ${err:-no output}" \
        "(log: $WHEEL_DIR/preflight-failed.log)"
}

if [[ "$FLAVOUR" == cuda ]]; then
    SYS_NVCC=
    for c in "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" \
        "${CUDA_PATH:+$CUDA_PATH/bin/nvcc}" "$(command -v nvcc || true)"; do
        if [[ -n "$c" && -x "$c" ]]; then
            SYS_NVCC="$c"
            break
        fi
    done
    SYS_REL="$([[ -n "$SYS_NVCC" ]] && nvcc_release "$SYS_NVCC" || true)"
    case "${MMCV_CUDA_COMPILER:-auto}" in
    system)
        [[ -n "$SYS_NVCC" ]] ||
            die "MMCV_CUDA_COMPILER=system but no nvcc found"
        [[ "$SYS_REL" == "$TORCH_CUDA" ]] ||
            say "warning: system nvcc $SYS_REL != torch CUDA $TORCH_CUDA"
        USE=system
        ;;
    pypi) USE=pypi ;;
    auto)
        if [[ -n "$SYS_NVCC" && "$SYS_REL" == "$TORCH_CUDA" ]]; then
            USE=system
        else
            USE=pypi
            if [[ -n "$SYS_NVCC" ]]; then
                say "system nvcc $SYS_NVCC is CUDA ${SYS_REL:-?}, torch was" \
                    "built with CUDA $TORCH_CUDA: not using it"
            fi
        fi
        ;;
    *) die "MMCV_CUDA_COMPILER must be auto, system or pypi" ;;
    esac
    if [[ "$USE" == system ]]; then
        # The toolkit root as nvcc sees it (nvcc may be a wrapper script).
        TOP="$("$SYS_NVCC" --dryrun -E -x cu /dev/null 2>&1 |
            sed -n 's/^#\$ TOP=//p' | head -1)"
        [[ -n "$TOP" ]] || TOP="$(dirname "$(readlink -f "$SYS_NVCC")")/.."
        CUDA_HOME="$(cd "$TOP" && pwd -P)"
        export CUDA_HOME
        export PATH="$CUDA_HOME/bin:$PATH"
        say "compiler: system nvcc $SYS_REL at $SYS_NVCC" \
            "(CUDA_HOME=$CUDA_HOME)"
    else
        use_pypi_compiler
    fi
    use_torch_cuda_libs
    preflight
    if [[ "$PREFLIGHT_ONLY" == 1 ]]; then
        say "pre-flight only: stopping before the build"
        exit 0
    fi
fi

# ------------------------------------------------------------------- source
SDIST="$CACHE/sdist/mmcv-$MMCV_VERSION.tar.gz"
if [[ ! -f "$SDIST" ]]; then
    say "downloading the mmcv $MMCV_VERSION sdist"
    mkdir -p "$CACHE/sdist"
    pip_q download --no-deps --no-binary :all: --no-build-isolation \
        "mmcv==$MMCV_VERSION" -d "$BUILD/dl"
    mv "$BUILD"/dl/mmcv-"$MMCV_VERSION".tar.gz "$SDIST"
fi
tar -xzf "$SDIST" -C "$BUILD"
SRC="$BUILD/mmcv-$MMCV_VERSION"
# torch >= 2.10 headers require C++20; mmcv 2.1.0 asks for C++17.
sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
# Keep the distribution name `mmcv` for the lite build (upstream calls it
# `mmcv-lite`, which would not satisfy the `mmcv` requirement of mmdet etc.).
LITE_NAME="name='mmcv' if os.getenv('MMCV_WITH_OPS', '1') == '1' else"
LITE_NAME="$LITE_NAME 'mmcv-lite'"
sed -i "s/$LITE_NAME/name='mmcv'/" "$SRC/setup.py"
grep -q "^    name='mmcv',$" "$SRC/setup.py" || die "could not patch setup.py"

# -------------------------------------------------------------------- build
case "$FLAVOUR" in
lite) export MMCV_WITH_OPS=0 FORCE_CUDA=0 ;;
cpu) export MMCV_WITH_OPS=1 FORCE_CUDA=0 CUDA_VISIBLE_DEVICES= ;;
cuda) export MMCV_WITH_OPS=1 FORCE_CUDA=1 ;;
esac
export MAX_JOBS="${MAX_JOBS:-$(nproc)}"
LOG="$BUILD/build.log"
START=$(date +%s)
say "building mmcv $MMCV_VERSION ($FLAVOUR${ARCH_LIST:+, arch $ARCH_LIST})" \
    "for $PYTAG / torch $TORCH_VER with MAX_JOBS=$MAX_JOBS," \
    "started $(date -Is)"
case "$FLAVOUR" in
cpu) say "this takes about 12 minutes on 2 cores" ;;
cuda) say "this takes about an hour on 2 cores" ;;
esac
if [[ "$VERBOSE" == 1 ]]; then
    (cd "$SRC" && "$PY" -m pip wheel --no-build-isolation --no-deps -v . \
        -w "$BUILD/raw") 2>&1 | tee "$LOG" >&2
    rc="${PIPESTATUS[0]}"
else
    rc=0
    (cd "$SRC" && "$PY" -m pip wheel --no-build-isolation --no-deps -v . \
        -w "$BUILD/raw") >"$LOG" 2>&1 || rc=$?
fi
if [[ "$rc" != 0 ]]; then
    cp "$LOG" "$WHEEL_DIR/build-failed.log"
    first_compile_error "$WHEEL_DIR/build-failed.log"
    die "mmcv build failed (rc=$rc) after $(($(date +%s) - START)) s;" \
        "full log: $WHEEL_DIR/build-failed.log"
fi
RAW="$(ls "$BUILD"/raw/mmcv-*.whl)"
say "built $(basename "$RAW") in $(($(date +%s) - START)) s," \
    "$(du -k "$RAW" | cut -f1) KiB"

# -------------------------------------------------- strip and repack (ops)
if [[ "$FLAVOUR" != lite ]]; then
    "$PY" -m wheel unpack "$RAW" -d "$BUILD/unpacked" >&2
    UNP="$(ls -d "$BUILD"/unpacked/*/)"
    for so in "$UNP"/mmcv/_ext*.so; do
        before=$(du -k "$so" | cut -f1)
        strip --strip-debug "$so"
        say "stripped $(basename "$so"): $before KiB ->" \
            "$(du -k "$so" | cut -f1) KiB"
    done
    mkdir -p "$BUILD/final"
    "$PY" -m wheel pack "$UNP" -d "$BUILD/final" >&2
    FINAL="$(ls "$BUILD"/final/mmcv-*.whl)"
else
    FINAL="$RAW"
fi
cp "$FINAL" "$WHEEL_DIR/.$(basename "$FINAL").tmp"
mv "$WHEEL_DIR/.$(basename "$FINAL").tmp" "$WHEEL_DIR/$(basename "$FINAL")"
cp "$LOG" "$WHEEL_DIR/build.log"
say "cached $WHEEL_DIR/$(basename "$FINAL")" \
    "($(du -k "$FINAL" | cut -f1) KiB," \
    "total $(($(date +%s) - START)) s)"
emit "$WHEEL_DIR/$(basename "$FINAL")"
