# sipas: set-up and everyday commands. Every target creates .venv first if it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint install clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,browser]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/sipas db migrate
	$(BIN)/sipas demo
	$(BIN)/sipas serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check api survey_engine sampling reports tests
	$(BIN)/ruff format --check api survey_engine sampling reports tests
	$(BIN)/lint-imports
	$(BIN)/mypy api survey_engine sampling reports
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[test,browser,bench]'
	$(BIN)/pytest tests/benchmarks -s -p no:cacheprovider -o addopts=""

lint: $(STAMP)
	$(BIN)/ruff check api survey_engine sampling reports tests
	$(BIN)/ruff format --check api survey_engine sampling reports tests
	$(BIN)/lint-imports
	$(BIN)/mypy api survey_engine sampling reports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
