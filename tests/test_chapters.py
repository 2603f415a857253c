"""The audited chapters keep the book's standard: their prose is checked by claims and speaks to the reader."""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
# Every chapter has been audited sentence by sentence against its executed output, and every chapter trains a
# model, so every chapter is held to the standard: claims, no pointers to unseen documents, a prediction.
CHAPTERS = sorted(BOOK.glob("part*/*.ipynb"))
MIN_CLAIMS = 5
UNSEEN = re.compile(r"(?i)\bthe (source|notes)('s?)?\b(?! of\b)|\bsource (document|material)s?\b|\bthe notes'")


def cells(path: Path, kind: str) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == kind]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_checks_at_least_five_claims(path):
    n = sum(len(re.findall(r"\bclaim\(", code)) for code in cells(path, "code"))
    assert n >= MIN_CLAIMS, f"{path.name} has {n} claim(...) calls"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_never_points_the_reader_at_documents_they_have_not_seen(path):
    hits = [m.group(0) for text in cells(path, "markdown") for m in UNSEEN.finditer(text)]
    assert not hits, f"{path.name} mentions {hits}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_asks_an_answerable_prediction(path):
    code = "\n".join(cells(path, "code"))
    imported = re.search(r"from dlbook\.predict import (?:predict|make_prediction)(?: as (\w+))?", code)
    assert imported, f"{path.name} does not use dlbook.predict"
    name = imported.group(1) or "predict"
    assert re.search(rf"\b{name}\(", code), f"{path.name} imports dlbook.predict but asks nothing"


def test_the_phrase_check_finds_what_it_should():
    assert UNSEEN.search("as the source says")
    assert UNSEEN.search("The notes' example")
    assert UNSEEN.search("the source document lists")
    assert not UNSEEN.search("the source of many confusing errors")


def test_the_checks_above_see_every_chapter_of_the_toc():
    toc = (BOOK.parent / "_toc.yml").read_text()
    listed = set(re.findall(r"file:\s*book/(part\d\w*/\w+)", toc))
    assert listed, "no chapter found in _toc.yml"
    assert listed == {f"{p.parent.name}/{p.stem}" for p in CHAPTERS}
