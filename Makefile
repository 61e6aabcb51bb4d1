# Dealbench: `make run` starts a demo server, `make test` runs the whole test suite.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-sqlite lint openapi sdl bench clean

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV) 2>/dev/null; } || \
	  { rm -rf $(VENV); scripts/services python-venv && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP)  ## start the server on SQLite with the demo organization
	$(VENV)/bin/dealbench serve --demo

test: $(STAMP)  ## lint, types, schema drift, and the whole suite on SQLite and PostgreSQL (+ Redis)
	VENV=$(VENV) scripts/test

test-sqlite: $(STAMP)  ## the suite on SQLite only (quick)
	$(VENV)/bin/pytest

openapi: $(STAMP)  ## regenerate the committed openapi.json
	$(VENV)/bin/dealbench openapi --out openapi.json

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
