# gridmap — setup, test, bench. `make setup` is safe to run twice.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup system venv test lint bench serve clean

setup: system venv

system:
	@bash scripts/setup-system.sh

venv: $(BIN)/gridmap

$(BIN)/gridmap: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/gridmap

lint:
	$(BIN)/ruff check gridmap tests benchmarks migrations
	$(BIN)/ruff format --check gridmap tests benchmarks migrations
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench:
	$(BIN)/python -m benchmarks

serve:
	$(BIN)/gridmap serve

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
