# The two set-up commands of the README: `make demo` and `make test`.
# Each one first runs tools/bootstrap.sh, which builds .venv when it is
# missing and returns at once when it is up to date.
VENV ?= $(CURDIR)/.venv
export VENV
export PATH := $(VENV)/bin:$(PATH)
PYTEST_ARGS ?=

.PHONY: env demo test lint format

env:
	@bash tools/bootstrap.sh

demo: env
	python tools/demo.py

test: env
	python -m pytest tests $(PYTEST_ARGS)

lint: env
	python -m flake8 mmselfsup_rot tools tests configs benchmarks
	python -m isort --check-only --diff mmselfsup_rot tools tests
	python -m yapf --diff -r mmselfsup_rot tools tests

format: env
	python -m isort mmselfsup_rot tools tests
	python -m yapf -i -r mmselfsup_rot tools tests
