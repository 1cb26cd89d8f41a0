# Every target sets itself up: the first run creates .venv and installs the pinned packages.
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
PYTHON := $(BIN)/python
STAMP  := $(VENV)/.installed
# nbgrader runs the `alembic` executable when it creates a gradebook: keep the venv first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: demo test lab release bench clean postgresql

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/autograder demo

# The browser tests drive Debian's Chromium (a browser download of Playwright's own cannot work
# offline); install it when it is missing and we may (root), otherwise those tests skip.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is not installed (sudo apt-get install chromium): browser tests will skip"; fi

# The gradebook tests start a throwaway server of Debian's PostgreSQL in a temporary folder;
# install the package when it is missing and we may (root), otherwise those tests skip.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "postgresql is not installed (sudo apt-get install postgresql): its tests will skip"; fi

test: $(STAMP) $(CHROMIUM) postgresql
	$(PYTHON) -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# `make release LANG=zh` builds the Chinese edition (notebooks-zh/); a LANG that is a locale
# (en_US.UTF-8, C.UTF-8) means English.
EDITION := $(if $(filter zh,$(LANG)),zh,en)
release: $(STAMP)
	LANG=C.UTF-8 $(BIN)/autograder release --lang $(EDITION)

# The bench extras (PyTorch, JAX) are installed once; a peer that cannot be installed is skipped
# by the bench with the reason.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PYTHON) -m pip install --quiet -e '.[bench]' && touch $@ \
	  || echo "bench: the bench extras did not install; the missing peers will be skipped"

bench: $(BENCH_STAMP)
	$(PYTHON) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
