"""The audited chapters keep the book's standard: their prose is checked by claims and speaks to the reader."""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
# Parts whose every chapter has been audited sentence by sentence against its executed output.
AUDITED = sorted((BOOK / "part1_concepts").glob("*.ipynb"))
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


def test_the_phrase_check_finds_what_it_should():
    assert UNSEEN.search("as the source says")
    assert UNSEEN.search("The notes' example")
    assert UNSEEN.search("the source document lists")
    assert not UNSEEN.search("the source of many confusing errors")
