# The two set-up commands of the README: `make demo` and `make test`.
# Each one first runs tools/bootstrap.sh, which builds .venv when it is
# missing and returns at once when it is up to date. `make demo` needs only
# a pure-Python mmcv (`env`, no compilation); the tests, the mmdet/mmseg
# transfer benchmarks and the GPU check need mmcv's compiled ops
# (`env-full`: tools/bootstrap.sh --with-ops).
VENV ?= $(CURDIR)/.venv
export VENV
export PATH := $(VENV)/bin:$(PATH)
PYTEST_ARGS ?=

.PHONY: env env-full demo test gpu-check lint format

env:
	@bash tools/bootstrap.sh

env-full:
	@bash tools/bootstrap.sh --with-ops

demo: env
	python tools/demo.py

gpu-check: env-full
	python tools/gpu_check.py --out work_dirs/gpu_check

test: env-full
	python -m pytest tests $(PYTEST_ARGS)

lint: env
	python -m flake8 mmselfsup_rot tools tests configs benchmarks
	python -m isort --check-only --diff mmselfsup_rot tools tests
	python -m yapf --diff -r mmselfsup_rot tools tests

format: env
	python -m isort mmselfsup_rot tools tests
	python -m yapf -i -r mmselfsup_rot tools tests
