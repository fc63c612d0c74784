# The two commands of the README. Both create .venv on first use, and install into it again
# only when a pyproject.toml has changed (a stamp file in .venv remembers the last install).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PACKAGES := -e . -e plugins/sandbox-registry -e plugins/sandbox-rails -e examples/indonesia -e examples/cambodia
PYPROJECTS := pyproject.toml $(wildcard plugins/*/pyproject.toml) $(wildcard examples/*/pyproject.toml)
APPLICANTS ?= 10000
SEED ?= 1
COUNTRY ?= indonesia

.PHONY: demo test install lint docs reference messages lock sbom

$(BIN)/python:
	@echo "creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PYPROJECTS) | $(BIN)/python
	@echo "installing skillsprogram and the example countries into $(VENV)" \
		"(the first time: about 5 minutes; later only when a pyproject.toml changes)..."
	$(BIN)/pip install --disable-pip-version-check $(PACKAGES)
	@touch $@

$(VENV)/.installed-test: $(PYPROJECTS) | $(BIN)/python
	@echo "installing skillsprogram with its test and documentation tools into $(VENV)" \
		"(the first time: about 5 minutes; later only when a pyproject.toml changes)..."
	$(BIN)/pip install --disable-pip-version-check -e ".[test,docs]" $(PACKAGES)
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

## make demo: install (once), then run one Kartu Prakerja wave (or COUNTRY=cambodia's intake) end to end
## on the embedded SQLite database (SERVE=1: then serve the portal on its data, with ready sign-ins)
demo: install
	$(BIN)/skillsprogram demo --country $(COUNTRY) --applicants $(APPLICANTS) --seed $(SEED) $(if $(SERVE),--serve)

## make test: install with the test tools (once), then lint, type-check, run the suite (SQLite and
## PostgreSQL, the portal in Chromium) and build the documentation with warnings as errors
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src
	$(BIN)/pytest --durations=25
	$(BIN)/mkdocs build --strict --quiet

## make docs: build the documentation site into site/ (warnings are errors)
docs: $(VENV)/.installed-test
	$(BIN)/mkdocs build --strict

## make reference: rewrite the generated reference pages of docs/ from the code
reference: $(VENV)/.installed-test
	$(BIN)/python -m skillsprogram.hooks.reference > docs/hooks.md
	$(BIN)/python -m skillsprogram.reference --write docs

## make messages: extract the texts of the code and templates (the core's and each plugin's package
## with a locale/ folder) and update every language's catalogue from them; then translate the empty
## entries (the catalogue test lists them)
messages: $(VENV)/.installed-test
	$(BIN)/python -m skillsprogram.i18n.extraction

## make lock: pin every dependency of skillsprogram, with hashes, into requirements.lock (a deployment
## installs it with `pip install --require-hashes -r requirements.lock`, then the packages with --no-deps)
lock: $(VENV)/.installed-test
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
		--custom-compile-command "make lock" --quiet -o requirements.lock

## make sbom: the software bill of materials of the installed environment (CycloneDX JSON)
sbom: $(VENV)/.installed-test
	$(BIN)/cyclonedx-py environment --pyproject pyproject.toml --of JSON -o sbom.cdx.json $(BIN)/python
