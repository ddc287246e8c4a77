# Two commands on a fresh machine: `make site` and `make test`.
# Everything goes into .venv/ inside the repository; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test install install-locked validate serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make install-locked: what the workflows run: exact versions with hashes from requirements.lock
## (pip --require-hashes; no unpinned pip upgrade, no build isolation fetching setuptools), then Lotse itself
install-locked:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .

## make site: install, validate data/, build the site into site/
site: $(STAMP)
	$(BIN)/lotse validate --data data
	$(BIN)/lotse build --data data --site-dir site

## make test: install what the tests need (Chromium and nginx from Debian included) and run them
test: $(STAMP)
	bash scripts/install-test-deps.sh
	$(BIN)/python -m pytest

validate: $(STAMP)
	$(BIN)/lotse validate --data data

serve: $(STAMP)
	$(BIN)/lotse serve --data data

bench: $(STAMP)
	$(BIN)/python benchmarks/validate_bench.py

clean:
	rm -rf site .pytest_cache build *.egg-info
