"""Normalise the book's notebooks so that they are small, diff-friendly and run anywhere.

For every ``book/**/*.ipynb`` this script

* strips outputs and execution counts (the site build executes the notebooks itself),
* gives every cell a valid, unique nbformat 4.5 ``id`` (existing valid ids are kept),
* sets the kernelspec to the standard ``python3`` kernel and a fixed ``language_info``,
* adds the Colab metadata that makes "Open in Colab" offer a GPU runtime,
* makes the first code cell the standard setup cell, whose ``%pip install`` line points at the
  repository URL in ``_config.yml`` (``repository.url``, the single source of that URL).

An existing setup cell (recognised by its first comment line) is replaced, never duplicated, and
running the script twice changes nothing the second time.

    python scripts/normalize_notebooks.py            # rewrite notebooks in place
    python scripts/normalize_notebooks.py --check    # list notebooks that are not normalised, exit 1
    python scripts/normalize_notebooks.py PATH ...   # only these notebooks
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK_DIR = ROOT / "book"
CONFIG = ROOT / "_config.yml"

SETUP_MARKER = "# Setup: installs the book's support package when it is missing (e.g. on Colab)"
SETUP_TEMPLATE = """\
# Setup: installs the book's support package when it is missing (e.g. on Colab), then seeds everything.
import importlib.util

if importlib.util.find_spec("dlbook") is None:
    %pip install -q "dlbook @ git+{url}\""""

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
COLAB = {"provenance": [], "gpuType": "T4"}
ACCELERATOR = "GPU"
# Cell metadata that only records a past session (timings, scroll state).
TRANSIENT_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
# Notebook metadata written by Jupyter/Colab sessions: saved widget state and Colab's bookkeeping.
TRANSIENT_NB_METADATA = ("widgets",)
VALID_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def repository_url(config: Path = CONFIG) -> str:
    """The ``repository.url`` entry of the book's ``_config.yml``, without a trailing slash."""
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    url = (data.get("repository") or {}).get("url")
    if not url:
        raise ValueError(f"{config} has no repository.url")
    return str(url).rstrip("/")


def setup_source(url: str) -> str:
    """Source of the standard setup cell for a repository URL."""
    return SETUP_TEMPLATE.format(url=url)


def source_text(cell: dict) -> str:
    """A cell's source as one string (nbformat allows a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def is_setup_cell(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and source_text(cell).lstrip().startswith(SETUP_MARKER)


def _new_id(taken: set[str]) -> str:
    while True:
        candidate = uuid.uuid4().hex[:8]
        if candidate not in taken:
            return candidate


def _clean_cell(cell: dict) -> dict:
    cell = copy.deepcopy(cell)
    cell["source"] = source_text(cell)
    cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k not in TRANSIENT_CELL_METADATA}
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    return cell


def _place_setup_cell(cells: list[dict], url: str) -> list[dict]:
    """Return cells whose first code cell is the standard setup cell (and no other setup cell)."""
    code_positions = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"]
    first_code = code_positions[0] if code_positions else None
    if first_code is not None and is_setup_cell(cells[first_code]):
        kept = cells[first_code]
        rest = [cell for i, cell in enumerate(cells) if i == first_code or not is_setup_cell(cell)]
    else:
        old = [cell for cell in cells if is_setup_cell(cell)]
        kept = old[0] if old else {"cell_type": "code", "id": "setup", "metadata": {}}
        rest = [cell for cell in cells if not is_setup_cell(cell)]
        position = next((i for i, cell in enumerate(rest) if cell["cell_type"] == "code"), len(rest))
        rest.insert(position, kept)
    kept.update(source=setup_source(url), outputs=[], execution_count=None)
    return rest


def _fix_ids(cells: list[dict]) -> None:
    taken: set[str] = set()
    for cell in cells:
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not VALID_ID.match(cell_id) or cell_id in taken:
            cell_id = _new_id(taken | {c.get("id") for c in cells if isinstance(c.get("id"), str)})
        cell["id"] = cell_id
        taken.add(cell_id)


def normalize(nb: dict, url: str) -> dict:
    """Return a normalised copy of a notebook (a parsed .ipynb dict); the input is not changed."""
    if nb.get("nbformat") != 4:
        raise ValueError(f"nbformat must be 4, got {nb.get('nbformat')!r}")
    out = copy.deepcopy(nb)
    out["nbformat_minor"] = max(int(nb.get("nbformat_minor", 0)), 5)
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k not in TRANSIENT_NB_METADATA}
    metadata.update(
        kernelspec=dict(KERNELSPEC),
        language_info=dict(LANGUAGE_INFO),
        accelerator=ACCELERATOR,
        colab=copy.deepcopy(COLAB),
    )
    out["metadata"] = metadata
    cells = _place_setup_cell([_clean_cell(cell) for cell in nb.get("cells", [])], url)
    _fix_ids(cells)
    out["cells"] = cells
    return out


def problems(nb: dict, url: str) -> list[str]:
    """Human-readable reasons why a notebook is not normalised (empty when it is)."""
    found = []
    cells = nb.get("cells", [])
    code = [cell for cell in cells if cell.get("cell_type") == "code"]
    if any(cell.get("outputs") for cell in code):
        found.append("has outputs")
    if any(cell.get("execution_count") is not None for cell in code):
        found.append("has execution counts")
    if not code or source_text(code[0]) != setup_source(url):
        found.append("first code cell is not the standard setup cell")
    if sum(is_setup_cell(cell) for cell in cells) > 1:
        found.append("more than one setup cell")
    metadata = nb.get("metadata", {})
    if metadata.get("kernelspec") != KERNELSPEC:
        found.append("kernelspec is not python3")
    if metadata.get("colab") != COLAB or metadata.get("accelerator") != ACCELERATOR:
        found.append("Colab GPU metadata missing")
    ids = [cell.get("id") for cell in cells]
    if not all(isinstance(i, str) and VALID_ID.match(i) for i in ids) or len(set(ids)) != len(ids):
        found.append("cell ids missing, invalid or duplicated")
    if not found and _comparable(normalize(nb, url)) != _comparable(nb):
        found.append("other differences (metadata or nbformat version)")
    return found


def _comparable(nb: dict) -> dict:
    """The notebook with every cell source as one string, so list/str spellings compare equal."""
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        cell["source"] = source_text(cell)
    return nb


def dumps(nb: dict) -> str:
    """Serialise like Jupyter does (indent 1, sorted keys, sources as lists of lines)."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell["source"] = source_text(cell).splitlines(keepends=True)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def notebook_paths(book_dir: Path = BOOK_DIR) -> list[Path]:
    """Every notebook under ``book_dir``, skipping checkpoints and build output."""
    skip = {".ipynb_checkpoints", "_build", ".jupyter_cache"}
    return sorted(p for p in book_dir.rglob("*.ipynb") if not skip & set(p.parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every book/**/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any needs work")
    parser.add_argument("--config", type=Path, default=CONFIG, help="the _config.yml holding repository.url")
    args = parser.parse_args(argv)

    url = repository_url(args.config)
    paths = args.paths or notebook_paths()
    bad = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        if args.check:
            reasons = problems(nb, url)
            if reasons:
                bad += 1
                print(f"{path}: {'; '.join(reasons)}")
            continue
        new_text = dumps(normalize(nb, url))
        if new_text != text:
            path.write_text(new_text, encoding="utf-8")
            print(f"normalised {path}")
    if args.check:
        if bad:
            print(f"{bad} notebook(s) not normalised: run `make normalize`", file=sys.stderr)
            return 1
        print(f"{len(paths)} notebook(s) normalised")
    return 0


if __name__ == "__main__":
    sys.exit(main())
