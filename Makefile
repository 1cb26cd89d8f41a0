# Every target sets itself up: the first run creates .venv and installs the pinned packages.
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
PYTHON := $(BIN)/python
STAMP  := $(VENV)/.installed
# nbgrader runs the `alembic` executable when it creates a gradebook: keep the venv first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: demo test lab release bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/autograder demo

test: $(STAMP)
	$(PYTHON) -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

release: $(STAMP)
	$(BIN)/autograder release

bench: $(STAMP)
	$(PYTHON) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
