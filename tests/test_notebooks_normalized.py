"""Every chapter notebook is committed normalised, and scripts/normalize_notebooks.py really normalises."""

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "normalize_notebooks.py"

_spec = importlib.util.spec_from_file_location("normalize_notebooks", SCRIPT)
nn = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nn)

REPO_URL = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
NOTEBOOKS = nn.notebook_paths(ROOT / "book")


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _code_cells(nb):
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_committed_notebook_is_normalised(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = _code_cells(nb)
    assert code, "a chapter needs at least the setup cell"
    assert all(cell["outputs"] == [] for cell in code), "outputs must be stripped (make normalize)"
    assert all(cell["execution_count"] is None for cell in code), "execution counts must be stripped"
    first = _source(code[0])
    assert first.splitlines()[0].startswith("# Setup: installs the book's support package")
    assert f'%pip install -q "dlbook @ git+{REPO_URL}"' in first
    assert sum(_source(c).startswith("# Setup: installs the book's") for c in code) == 1
    metadata = nb["metadata"]
    assert metadata.get("kernelspec", {}).get("name") == "python3"
    assert metadata.get("accelerator") == "GPU", "Colab GPU metadata missing (make normalize)"
    assert metadata.get("colab") == {"provenance": [], "gpuType": "T4"}
    ids = [cell["id"] for cell in nb["cells"]]
    assert len(set(ids)) == len(ids)
    assert nn.problems(nb, REPO_URL) == []


def _dirty_notebook():
    """A notebook as Jupyter might save it mid-edit: outputs, counts, an outdated setup cell further down."""

    def code(source, cell_id, **extra):
        output = {"output_type": "stream", "name": "stdout", "text": ["hi\n"]}
        cell = {
            "cell_type": "code",
            "id": cell_id,
            "metadata": {},
            "source": source,
            "outputs": [output],
            "execution_count": 3,
        }
        cell.update(extra)
        return cell

    old_setup = nn.SETUP_MARKER + "\n%pip install x"  # first comment line only, outdated body
    return {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {
            "kernelspec": {"name": "other", "display_name": "Other", "language": "python"},
            "widgets": {"state": {}},
            "jupytext": {"default_lexer": "ipython3"},
        },
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "Intro."]},
            code(["print('hi')\n"], "a1", metadata={"tags": ["hide-input"], "execution": {"t": 1}}),
            code(old_setup, "old-setup", metadata={"tags": ["remove-output"]}),
            code("x = 1", "a1"),  # duplicate id
        ],
    }


def _write(tmp_path, nb, name="chapter.ipynb"):
    path = tmp_path / name
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def _config(tmp_path, url):
    path = tmp_path / "_config.yml"
    path.write_text(yaml.safe_dump({"repository": {"url": url}}), encoding="utf-8")
    return path


def test_check_flags_a_dirty_notebook_and_changes_nothing(tmp_path, capsys):
    path = _write(tmp_path, _dirty_notebook())
    before = path.read_text(encoding="utf-8")
    assert nn.main(["--check", "--config", str(_config(tmp_path, REPO_URL)), str(path)]) == 1
    out = capsys.readouterr().out
    assert str(path) in out
    assert "has outputs" in out
    assert "setup cell" in out
    assert "Colab" in out
    assert path.read_text(encoding="utf-8") == before


def test_normalise_fixes_everything_and_is_idempotent(tmp_path):
    config = _config(tmp_path, "https://example.org/me/fork")
    path = _write(tmp_path, _dirty_notebook())
    assert nn.main(["--config", str(config), str(path)]) == 0
    once = path.read_text(encoding="utf-8")
    nb = json.loads(once)

    assert nb["nbformat_minor"] >= 5
    assert nb["cells"][0]["cell_type"] == "markdown"  # the title stays on top
    code = _code_cells(nb)
    assert _source(code[0]) == nn.setup_source("https://example.org/me/fork")
    assert 'git+https://example.org/me/fork"' in _source(code[0])
    assert code[0]["id"] == "old-setup"
    assert code[0]["metadata"] == {"tags": ["remove-output"]}
    assert len(code) == 3  # the outdated setup cell was replaced, not added to
    assert [_source(c) for c in code[1:]] == ["print('hi')\n", "x = 1"]
    assert code[1]["metadata"] == {"tags": ["hide-input"]}  # tags kept, timings dropped
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == len(ids)
    assert all(nn.VALID_ID.match(i) for i in ids)
    assert nb["metadata"]["kernelspec"] == nn.KERNELSPEC
    assert nb["metadata"]["colab"] == {"provenance": [], "gpuType": "T4"}
    assert "widgets" not in nb["metadata"]
    assert nb["metadata"]["jupytext"] == {"default_lexer": "ipython3"}

    assert nn.main(["--config", str(config), str(path)]) == 0
    assert path.read_text(encoding="utf-8") == once
    assert nn.main(["--check", "--config", str(config), str(path)]) == 0


def test_setup_cell_is_inserted_before_the_first_code_cell_when_missing(tmp_path):
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# T"},
            {"cell_type": "code", "id": "c", "metadata": {}, "source": "1 + 1", "outputs": [], "execution_count": None},
        ],
    }
    out = nn.normalize(nb, REPO_URL)
    assert [c["id"] for c in out["cells"]][0::2] == ["m", "c"]
    assert _source(out["cells"][1]) == nn.setup_source(REPO_URL)
    assert nb["cells"][1]["source"] == "1 + 1"
    assert len(nb["cells"]) == 2  # input untouched
    assert nn.problems(out, REPO_URL) == []


def test_a_changed_repository_url_makes_notebooks_stale(tmp_path):
    normalised = nn.normalize(_dirty_notebook(), REPO_URL)
    assert nn.problems(normalised, REPO_URL) == []
    assert "first code cell is not the standard setup cell" in nn.problems(normalised, "https://example.org/x")
