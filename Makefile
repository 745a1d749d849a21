# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv as needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean-venv

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m textmend.demo fixtures demo-out

lint: $(STAMP)
	$(PY) -m ruff check textmend tests bench
	$(PY) -m ruff format --check textmend tests bench
	$(PY) -m mypy

test: lint
	$(PY) -m pytest -q -p no:cacheprovider textmend tests README.md

bench: $(STAMP)
	$(PY) -m bench all

clean-venv:
	rm -rf $(VENV)
