# One command each, on a fresh machine with only Python 3.11+:
#   make demo   create .venv, install jaxnets, train the default experiment (MLP on digits)
#   make test   create .venv, install jaxnets[dev], run ruff and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python -m experiments.mlp

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests experiments benchmarks

test: lint
	$(BIN)/python -m pytest -n 2 -q tests

bench: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	for b in fit_mlp cnn lstm population optimizers auc augment checkpoint parallel_scaling; do \
		KERAS_BACKEND=jax $(BIN)/python -m benchmarks.$$b || exit 1; done

clean:
	rm -rf $(VENV) runs .pytest_cache
