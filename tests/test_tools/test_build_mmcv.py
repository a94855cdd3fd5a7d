# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""tools/build_mmcv.sh with a partial system CUDA toolkit: the compiler
choice and the pre-flight compile (``--preflight-only``: no build).

The toolkit is a fake ``CUDA_HOME``: ``bin/nvcc`` is a script that reports
torch's CUDA release and the toolkit root as nvcc does, and "compiles" a
``.cu`` file by running the host preprocessor over it with nvcc's include
rules, enough to find every header it includes; ``include/`` holds the
CUDA runtime headers of torch's nvidia-* wheels but not the math
libraries' (no ``cusparse.h``), like a toolkit of nvcc and the runtime
only. torch's own nvidia-* wheels, next to torch in this environment,
supply the rest.
"""
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import REPO

SCRIPT = osp.join(REPO, 'tools', 'build_mmcv.sh')
CUDA = torch.version.cuda
WHEELS = osp.join(
    osp.dirname(osp.dirname(torch.__file__)), 'nvidia',
    f"cu{(CUDA or '0').split('.')[0]}")

needs_cuda_wheels = pytest.mark.skipif(
    CUDA is None or not osp.isfile(osp.join(WHEELS, 'include', 'cusparse.h'))
    or shutil.which('g++') is None,
    reason='needs a CUDA build of torch from PyPI (its nvidia-* wheels '
    'with cusparse.h) and g++')

NVCC = '''#!/usr/bin/env bash
# Stand-in for nvcc {release}: --version, --dryrun's TOP line, and -c as
# the host preprocessor with nvcc's include rules (TOP/include first).
top="$(cd "$(dirname "$0")/.." && pwd)"
case " $* " in
*" --version "*) echo "Cuda compilation tools, release {release}, V{release}.0"
                 exit 0 ;;
*" --dryrun "*) echo "#\\$ TOP=$top/bin/.."; exit 0 ;;
esac
args=() out=
while (($#)); do
    case "$1" in
    -o) out="$2"; shift 2 ;;
    -I* | -D* | -std=*) args+=("$1"); shift ;;
    *.cu) args+=(-x c++ "$1"); shift ;;
    *) shift ;;
    esac
done
g++ -E -I"$top/include" "${{args[@]}}" -o /dev/null || exit 1
echo stub >"$out"
'''
#: nvcc's own headers, which the runtime headers include (empty here).
COMPILER_HEADERS = ('crt/host_defines.h', 'crt/host_config.h', 'nv/target')


@pytest.fixture
def partial_toolkit(tmp_path):
    """A CUDA_HOME with nvcc and the runtime headers, without cusparse.h."""
    home = tmp_path / 'cuda'
    (home / 'bin').mkdir(parents=True)
    nvcc = home / 'bin' / 'nvcc'
    nvcc.write_text(NVCC.format(release=CUDA))
    nvcc.chmod(0o755)
    include = home / 'include'
    include.mkdir()
    for name in os.listdir(osp.join(WHEELS, 'include')):
        if not name.startswith(('cusparse', 'cublas', 'cusolver')):
            (include / name).symlink_to(osp.join(WHEELS, 'include', name))
    for name in COMPILER_HEADERS:
        (include / name).parent.mkdir(exist_ok=True)
        (include / name).touch()
    assert not (include / 'cusparse.h').exists()
    return home


def _preflight(home, tmp_path, **extra):
    env = dict(
        os.environ,
        CUDA_HOME=str(home),
        TORCH_CUDA_ARCH_LIST='9.0',
        MMSELFSUP_ROT_CACHE=str(tmp_path / 'cache'),
        MMCV_CUDA_COMPILER='auto')
    env.pop('CUDA_PATH', None)
    env.pop('MMCV_CUDA_LIBS_DIR', None)
    env.update(extra)
    start = time.perf_counter()
    proc = subprocess.run([
        'bash', SCRIPT, '--python', sys.executable, '--flavour', 'cuda',
        '--preflight-only'
    ],
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    return proc, time.perf_counter() - start


@needs_cuda_wheels
def test_system_nvcc_gets_the_headers_of_torchs_wheels(partial_toolkit,
                                                       tmp_path):
    proc, _ = _preflight(partial_toolkit, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ''  # no wheel path: nothing was built
    lines = proc.stderr.splitlines()
    home = osp.realpath(partial_toolkit)
    # the toolkit root as nvcc reports it, the system compiler chosen
    assert lines[0] == (f'[build_mmcv] compiler: system nvcc {CUDA} at '
                        f'{partial_toolkit}/bin/nvcc (CUDA_HOME={home})')
    assert lines[1] == (f'[build_mmcv] CUDA headers and libraries: {home}, '
                        f"then torch's nvidia-* wheels ({WHEELS})")
    assert lines[2].startswith(
        '[build_mmcv] pre-flight ok: ATen/cuda/CUDAContext.h compiles with '
        f'{home}/bin/nvcc (arch=compute_90,code=sm_90) in ')
    assert lines[3:] == [
        '[build_mmcv] pre-flight only: stopping before '
        'the build'
    ]
    assert not os.listdir(tmp_path / 'cache' / 'wheels' / 'mmcv-2.1.0' /
                          f'cuda-cp{sys.version_info[0]}'
                          f'{sys.version_info[1]}-torch'
                          f"{torch.__version__.split('+')[0]}-cu{CUDA}"
                          '-arch9.0')


@needs_cuda_wheels
def test_missing_header_stops_in_one_line_with_the_fix(partial_toolkit,
                                                       tmp_path):
    # as with a torch whose CUDA libraries are not pip wheels
    proc, seconds = _preflight(
        partial_toolkit, tmp_path, MMCV_CUDA_LIBS_DIR='none')
    assert proc.returncode == 1
    errors = [ln for ln in proc.stderr.splitlines() if 'error' in ln]
    assert len(errors) == 1, proc.stderr
    home = osp.realpath(partial_toolkit)
    assert errors[0].startswith(
        f'[build_mmcv] error: pre-flight: {home}/bin/nvcc cannot find '
        'cusparse.h (included by ATen/cuda/CUDAContext.h); neither the '
        "toolkit nor torch's nvidia-* wheels have it: install torch from "
        'PyPI with its nvidia-* dependencies, use a complete CUDA '
        f'{CUDA} toolkit, or point MMCV_CUDA_LIBS_DIR at a folder with '
        'include/cusparse.h (log: ')
    log = errors[0].rsplit('(log: ', 1)[1].rstrip(')')
    assert 'fatal error: cusparse.h: No such file or directory' in open(
        log).read()
    assert seconds < 120  # a pre-flight, not an hour-long build


@needs_cuda_wheels
def test_a_folder_of_cuda_libraries_can_be_named(partial_toolkit, tmp_path):
    libs = tmp_path / 'libs' / 'include'
    libs.mkdir(parents=True)
    for name in ('cusparse.h', 'cublas_v2.h', 'cublas_api.h', 'cublasLt.h',
                 'cusolverDn.h', 'cusolver_common.h'):
        (libs / name).symlink_to(osp.join(WHEELS, 'include', name))
    proc, _ = _preflight(
        partial_toolkit, tmp_path, MMCV_CUDA_LIBS_DIR=str(libs.parent))
    assert proc.returncode == 0, proc.stderr
    assert f"torch's nvidia-* wheels ({libs.parent})" in proc.stderr


#: How ``pip wheel -v`` logs a failed ninja build (output indented).
FAILED_BUILD = """\
Building wheels for collected packages: mmcv
  running build_ext
  [34/136] c++ -MMD -MF box_iou_rotated.o.d -c box_iou_rotated.cpp
  [35/136] /usr/local/cuda-13.0/bin/nvcc -c active_rotated_filter_cuda.cu
  FAILED: /b/temp.linux-x86_64-cpython-312/cuda/active_rotated_filter_cuda.o
  /usr/local/cuda-13.0/bin/nvcc --generate-dependencies-with-compile -c ...
  In file included from /t/include/ATen/cuda/CUDAContext.h:4,
  /t/include/ATen/cuda/CUDAContextLight.h:10:10: fatal error: cusparse.h: \
No such file or directory
  compilation terminated.
  ninja: build stopped: subcommand failed.
  Traceback (most recent call last):
  RuntimeError: Error compiling objects for extension
  error: subprocess-exited-with-error
  note: This error originates from a subprocess
  ERROR: Failed building wheel for mmcv
"""


def test_a_failed_build_is_explained_by_its_first_error(tmp_path):
    log = tmp_path / 'build-failed.log'
    log.write_text(FAILED_BUILD)
    proc = subprocess.run(['bash', SCRIPT, '--explain-log',
                           str(log)],
                          capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        '[build_mmcv] first failure (ninja at [35/136]): '
        '/b/temp.linux-x86_64-cpython-312/cuda/active_rotated_filter_cuda.o',
        '[build_mmcv]   /t/include/ATen/cuda/CUDAContextLight.h:10:10: '
        'fatal error: cusparse.h: No such file or directory'
    ]
