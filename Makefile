# Two commands do all set-up: `make demo` and `make test`. Both create/reuse .venv and are
# fast when nothing changed (stamp files keyed on pyproject.toml and this Makefile).
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# torch first, pinned to the CPU wheel on local disk: a plain `torch` requirement would pull
# a multi-GB CUDA build. The package itself only asks for torch>=2.4.
TORCH  := torch==2.13.0
# A portable llama.cpp build (not tuned to the build CPU), cached by pip's wheel cache.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

BASE_STAMP := $(VENV)/.stamp-base
DEV_STAMP  := $(VENV)/.stamp-dev

.PHONY: demo test lint install clean

$(PY):
	python3 -m venv $(VENV)

$(BASE_STAMP): pyproject.toml Makefile | $(PY)
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e .
	touch $@

$(DEV_STAMP): $(BASE_STAMP)
	$(PIP) install -q -e '.[dev]'
	touch $@

install: $(BASE_STAMP)

demo: $(BASE_STAMP)
	$(VENV)/bin/ssmem demo

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check src tests

test: $(DEV_STAMP)
	$(VENV)/bin/ruff check src tests
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
