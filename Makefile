# dlbook — two commands do everything on a fresh machine: `make book` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD := _build
# The book trains small models: one intra-op thread is fastest for them, and it avoids the large slow-down that
# PyTorch's thread pool suffers when the CPU is shared with other work. Applies to every target (book, lab, test).
export OMP_NUM_THREADS ?= 1

.PHONY: book test unit notebooks site browser lint lab normalize benchmark clean help

help:
	@echo "make book       create .venv, install, execute every chapter and build the site into $(BUILD)/html"
	@echo "make test       lint + unit tests + every notebook with nbmake + warning-free site build + browser tests"
	@echo "make lab        JupyterLab on book/ with the project's environment"
	@echo "make benchmark  Trainer vs a hand-written loop (prints the ratio)"
	@echo "make clean      remove $(BUILD) and caches (keeps .venv); 'make distclean' removes .venv too"

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --keep-going
	@echo "Open $(abspath $(BUILD))/html/index.html in a browser."

test: $(STAMP) lint unit notebooks site browser

lint: $(STAMP)
	$(BIN)/ruff check dlbook tests benchmarks scripts
	$(BIN)/python scripts/normalize_notebooks.py --check

unit: $(STAMP)
	$(BIN)/pytest tests --ignore=tests/browser -q

notebooks: $(STAMP)
	$(BIN)/pytest --nbmake --nbmake-timeout=300 -q book

site: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going

browser: $(STAMP)
	$(BIN)/pytest tests/browser -q

lab: $(STAMP)
	$(BIN)/jupyter lab book/

normalize: $(STAMP)
	$(BIN)/python scripts/normalize_notebooks.py

benchmark: $(STAMP)
	$(BIN)/python benchmarks/trainer_overhead.py

clean:
	rm -rf $(BUILD) .pytest_cache .ruff_cache
	find . -name .ipynb_checkpoints -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
