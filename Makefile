# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv as needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TM := $(VENV)/bin/textmend
STAMP := $(VENV)/.installed
OUT ?= demo-out

.PHONY: demo test lint pytest bench docs clean-venv

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job on the bundled fixtures: repair the damaged seed excerpts, find the duplicates,
# diff and merge the two damaged copies of one speech, and write an HTML report.
demo: $(STAMP)
	rm -rf $(OUT) && mkdir -p $(OUT)
	$(TM) repair fixtures/demo/ --glob '*.txt' -o $(OUT)/repaired/ --explain $(OUT)/edits.jsonl --stats
	$(TM) dedup fixtures/demo/ --glob '*.txt' --threshold 0.5 -o $(OUT)/clusters.jsonl --report $(OUT)/report --stats
	$(TM) diff fixtures/demo/003-copy1.txt fixtures/demo/003-copy2.txt --format html -o $(OUT)/diff.html || test $$? = 1
	$(TM) diff fixtures/demo/003-copy1.txt fixtures/demo/003-copy2.txt --stat || test $$? = 1
	$(TM) merge $(OUT)/repaired/003-copy1.txt $(OUT)/repaired/003-copy2.txt -o $(OUT)/003-merged.txt --sources $(OUT)/003-merged.sources.json
	@echo; echo "demo: wrote $(OUT)/ (repaired/, edits.jsonl, clusters.jsonl, report/index.html, diff.html, 003-merged.txt)"

lint: $(STAMP)
	$(PY) -m ruff check textmend tests bench fuzz
	$(PY) -m ruff format --check textmend tests bench fuzz
	$(PY) -m mypy

test: lint
	./tools/ensure-browser
	$(PY) -m pytest -q -p no:cacheprovider textmend fuzz tests README.md

bench: $(STAMP)
	$(PY) -m bench all

docs: $(STAMP)
	$(PY) -m textmend.cli_reference --write README.md

clean-venv:
	rm -rf $(VENV)
