# dlbook — two commands do everything on a fresh machine: `make book` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD := _build
# `make notebooks` executes a copy of the book in SRC; `make site` builds the website from that copy. (Not under
# _build: nbmake skips every notebook whose path has a part that starts with "_" or ".".)
SRC := executed
# The book trains small models: one intra-op thread is fastest for them, and it avoids the large slow-down that
# PyTorch's thread pool suffers when the CPU is shared with other work. Applies to every target (book, lab, test).
export OMP_NUM_THREADS ?= 1

.PHONY: book test unit notebooks site browser lint format lab normalize benchmark clean distclean help

help:
	@echo "make book       create .venv, install, execute every chapter and build the site into $(BUILD)/html"
	@echo "make test       lint + unit tests + every notebook once (nbmake, 2 at a time) + -W site build + browser tests"
	@echo "make format     ruff format + fixes, notebooks normalised (what the pre-commit hooks do)"
	@echo "make lab        JupyterLab on book/ with the project's environment"
	@echo "make benchmark  Trainer vs a hand-written loop, and import dlbook vs import torch (prints the ratios)"
	@echo "make clean      remove $(BUILD) and caches (keeps .venv); 'make distclean' removes .venv too"

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --keep-going
	@echo "Open $(abspath $(BUILD))/html/index.html in a browser."

test: $(STAMP) lint unit site browser

LINTED := dlbook tests benchmarks scripts book

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/python scripts/normalize_notebooks.py --check

format: $(STAMP)
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/python scripts/normalize_notebooks.py

unit: $(STAMP)
	$(BIN)/pytest tests --ignore=tests/browser -q

# Every chapter is executed exactly once per `make test`: nbmake runs a copy of the book, two notebooks at a time
# (pytest-xdist), and writes the outputs into the copy (--overwrite); the site is then built from the copy with
# execution off, so `-W` still fails on any warning and a failing cell has already failed nbmake.
notebooks: $(STAMP)
	rm -rf $(SRC)
	mkdir -p $(SRC)
	cp -r book _toc.yml references.bib $(SRC)/
	sed 's/^  execute_notebooks: cache.*/  execute_notebooks: "off"/' _config.yml > $(SRC)/_config.yml
	grep -q '^  execute_notebooks: "off"' $(SRC)/_config.yml
	$(BIN)/pytest --nbmake --nbmake-timeout=300 --overwrite -n 2 -q -p no:cacheprovider --durations=40 $(SRC)/book

site: notebooks
	$(BIN)/jupyter-book build $(SRC) --path-output . -W --keep-going

browser: $(STAMP)
	$(BIN)/pytest tests/browser -q

lab: $(STAMP)
	$(BIN)/jupyter lab book/

normalize: $(STAMP)
	$(BIN)/python scripts/normalize_notebooks.py

benchmark: $(STAMP)
	$(BIN)/python benchmarks/trainer_overhead.py
	$(BIN)/python benchmarks/import_time.py

clean:
	rm -rf $(BUILD) $(SRC) .pytest_cache .ruff_cache
	find . -name .ipynb_checkpoints -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
