# Two commands do all set-up on a fresh machine:
#   make demo   — build the Datong demo on the embedded default (SQLite + local files) and print its evaluation
#   make test   — run the whole test suite (SQLite and the local PostgreSQL, headless Chromium)
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: demo test venv system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the project needs: Chromium (browser tests), CJK fonts (charts, bulletins),
# LibreOffice Writer and poppler-utils (the bulletins opened headless in the tests).
system-deps:
	@bash scripts/system-deps.sh

demo: venv system-deps
	$(BIN)/qingshan demo

test: venv system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/air_engine.py

clean:
	rm -rf $(VENV) build src/*.egg-info
