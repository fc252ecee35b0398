# Baliza — two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
export BALIZA_TEST_POSTGRES_URL ?= postgresql://127.0.0.1:5432/test

.PHONY: demo test venv lint typecheck check serve bench-ingest i18n clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Baliza needs Python 3.11 ($(PYTHON) not found). / Baliza necesita Python 3.11."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

## make demo: set up and run the demo on the embedded default (SQLite, one process)
demo: $(STAMP)
	$(BIN)/baliza demo

## make test: set up, lint, type-check and run the whole suite (SQLite and PostgreSQL)
test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy src

check: test

serve: $(STAMP)
	$(BIN)/baliza serve

bench-ingest: $(STAMP)
	$(BIN)/baliza bench ingest --n 200000

## make i18n: refresh the Spanish catalogue from the sources (then translate the new entries)
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output -o build/messages.pot .
	$(BIN)/pybabel update -N --no-wrap -i build/messages.pot -d src/baliza/locale -D messages -l es

clean:
	rm -rf $(VENV) build baliza-data .pytest_cache .mypy_cache .ruff_cache
