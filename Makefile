# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv first.
# `make docs` builds the documentation site into site/ (open site/index.html).
PY ?= python3
# Python's default is to cache compiled bytecode; an environment that turns it off
# (PYTHONDONTWRITEBYTECODE) makes every new process (the examples, the test suite's
# subprocesses, the compile workers) compile funcgrad from source again: ~0.5 s each here.
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.docs-installed

.PHONY: demo test test-all lint bench clean setup docs docs-check

# --no-compile: pip would byte-compile every module of every package (SciPy, scikit-learn,
# matplotlib, Dask...), most of which nothing here imports: 95 s to set up instead of 43 s. The
# modules that are imported get their bytecode cached at their first import (~6 s in all).
$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --no-compile --upgrade pip
	$(BIN)/python -m pip install -q --no-compile -e ".[dev,examples,distributed]"
	touch $(STAMP)

setup: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check funcgrad tests examples benchmarks docs/tools

# One test process per core (pytest-xdist; on two cores a first run with nothing compiled
# took 10.6 min in one process, 5.0 min in two): most of a first run is Numba compiling, which
# runs on one core per process. worksteal: the tests' times differ by 1000x.
XDIST := -n auto --dist worksteal

test: $(STAMP) lint
	$(BIN)/python -m pytest -m "not slow" $(XDIST)

test-all: $(STAMP) lint
	$(BIN)/python -m pytest $(XDIST)

# The examples write PNG files: a file backend, whatever the user's matplotlib default is.
demo: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python examples/moons.py out
	MPLBACKEND=Agg $(BIN)/python examples/digits.py out
	@echo "plots written to out/"

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q --no-compile -e ".[dev,examples,docs]"
	touch $(DOCS_STAMP)

# Builds the site in strict mode (a broken link or a missing page fails), running every
# tutorial chapter's code; the chapters draw graphs with Graphviz's dot.
docs: $(DOCS_STAMP)
	@command -v dot >/dev/null || { echo "installing Graphviz for the tutorial's graphs"; \
	  apt-get update -q && apt-get install -y -q graphviz; } || \
	  { echo "make docs needs Graphviz's dot program: install the graphviz package"; exit 1; }
	NO_MKDOCS_2_WARNING=1 MPLBACKEND=Agg $(BIN)/mkdocs build --strict
	@echo "site built: open site/index.html in a browser"

# Opens the built site in headless Chromium as a reader would; screenshots go to out/.
docs-check: docs
	@test -x /usr/bin/chromium || { echo "installing Chromium for the page check"; \
	  apt-get update -q && apt-get install -y -q chromium; }
	$(BIN)/python docs/tools/check_site.py site out

# Issue 13's figures in one run: the tables of RESULTS.md (run.py), the first calls of W1-W5
# in fresh processes, cold and warm (first_calls.py), and the steady state of W6, W2 and the
# logistic-regression Hessian beside their floors (steady_state.py). The peers (JAX, PyTorch,
# autograd) are measured where installed: pip install -e '.[bench]'.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/first_calls.py
	$(BIN)/python benchmarks/first_calls.py --warm 5
	$(BIN)/python benchmarks/steady_state.py

clean:
	rm -rf $(VENV) out site .pytest_cache
