"""One dependency list: pyproject.toml declares every package; the requirement files only pin torch on top."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent


def lines(path: Path) -> list[str]:
    return [line.split("#")[0].strip() for line in path.read_text().splitlines() if line.split("#")[0].strip()]


def test_requirement_files_name_no_package_beyond_the_torch_pin_and_the_project():
    for path, extras in (
        (ROOT / "requirements.txt", {"book", "lab", "tensorflow", "test"}),
        (ROOT / "binder" / "requirements.txt", {"lab", "tensorflow"}),
    ):
        entries = [line for line in lines(path) if not line.startswith("--extra-index-url")]
        assert entries[0] == "torch==2.13.0" or entries[0].startswith("torch=="), path
        project = [e for e in entries if e.startswith("-e .")]
        assert len(project) == 1, path
        assert set(re.search(r"\[(.*)\]", project[0]).group(1).split(",")) == extras, path
        assert len(entries) == 2, f"{path} lists packages that belong in pyproject.toml: {entries}"


def test_the_torch_pin_is_the_same_everywhere_and_allowed_by_pyproject():
    pins = {
        path: next(line for line in lines(path) if line.startswith("torch=="))
        for path in (ROOT / "requirements.txt", ROOT / "binder" / "requirements.txt")
    }
    assert len(set(pins.values())) == 1, pins
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_spec = next(Requirement(d).specifier for d in project["dependencies"] if d.startswith("torch"))
    version = next(iter(pins.values())).split("==")[1]
    assert version in SpecifierSet(str(torch_spec))


def test_the_extras_the_makefile_and_binder_use_exist():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {"book", "lab", "tensorflow", "test"} <= set(extras)
    assert any(Requirement(r).name == "jupyter-book" for r in extras["book"])
    assert any(Requirement(r).name == "nbmake" for r in extras["test"])
