"""The audited chapters keep the book's standard: their prose is checked by claims and speaks to the reader."""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
# Chapters audited sentence by sentence against their executed output (all but those still waiting).
NOT_YET_AUDITED = {"part5_guide/04_hyperparameters_and_optimizers"}
CHAPTERS = sorted(BOOK.glob("part*/*.ipynb"))
AUDITED = [p for p in CHAPTERS if f"{p.parent.name}/{p.stem}" not in NOT_YET_AUDITED]
# Every chapter trains a model, so every chapter asks at least one answerable prediction (dlbook.predict).
NO_PREDICTION_YET: set[str] = set()
MIN_CLAIMS = 5
UNSEEN = re.compile(r"(?i)\bthe (source|notes)('s?)?\b(?! of\b)|\bsource (document|material)s?\b|\bthe notes'")


def cells(path: Path, kind: str) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == kind]


@pytest.mark.parametrize("path", AUDITED, ids=lambda p: p.stem)
def test_an_audited_chapter_checks_at_least_five_claims(path):
    n = sum(len(re.findall(r"\bclaim\(", code)) for code in cells(path, "code"))
    assert n >= MIN_CLAIMS, f"{path.name} has {n} claim(...) calls"


@pytest.mark.parametrize("path", AUDITED, ids=lambda p: p.stem)
def test_an_audited_chapter_never_points_the_reader_at_documents_they_have_not_seen(path):
    hits = [m.group(0) for text in cells(path, "markdown") for m in UNSEEN.finditer(text)]
    assert not hits, f"{path.name} mentions {hits}"


@pytest.mark.parametrize(
    "path", [p for p in CHAPTERS if f"{p.parent.name}/{p.stem}" not in NO_PREDICTION_YET], ids=lambda p: p.stem
)
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
