# The two commands of the README. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PACKAGES := -e . -e plugins/sandbox-registry -e plugins/sandbox-rails -e examples/indonesia -e examples/cambodia
APPLICANTS ?= 10000
SEED ?= 1
COUNTRY ?= indonesia

.PHONY: demo test install lint docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet $(PACKAGES)

## make demo: install, then run one Kartu Prakerja wave (or COUNTRY=cambodia's intake) end to end
## on the embedded SQLite database
demo: install
	$(BIN)/skillsprogram demo --country $(COUNTRY) --applicants $(APPLICANTS) --seed $(SEED)

## make test: install with the test tools, then lint, type-check, run the suite (SQLite and PostgreSQL)
## and build the documentation with warnings as errors
test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,docs]" $(PACKAGES)
	$(BIN)/ruff check .
	$(BIN)/mypy src
	$(BIN)/pytest
	$(BIN)/mkdocs build --strict --quiet

## make docs: build the documentation site into site/ (warnings are errors)
docs: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[docs]"
	$(BIN)/mkdocs build --strict
