"""Answerable predictions: the reader commits to an answer, then sees what the chapter's run produced.

    predict("Which learning rate diverges?", choices=["1e-3", "1e-2", "1"], answer=diverged_lr,
            reveal=fig, explanation=f"Only lr=1 blew up (val loss {loss:.3g}).")

Three kinds: multiple choice (``choices`` and the right one as ``answer``), a number (``answer`` a number and a
``tolerance``) and an ordering (``choices`` and ``answer`` the right order of all of them). ``answer`` and
``explanation`` come from the run, never typed by hand; ``reveal`` (a matplotlib figure, HTML-safe text, or
anything with ``_repr_html_`` such as a DataFrame) stays hidden until the reader answers or chooses to skip.

It renders as plain HTML + JavaScript (``dlbook/static/predict.*``) like the explorables, so it works on the static
website without a kernel. Answers stay in the reader's browser (``localStorage``), never sent anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import math
import uuid
from collections.abc import Sequence
from typing import Any

from .checks import check_number, is_number
from .explorables import asset, json_for_script, render

__all__ = ["Prediction", "make_prediction", "predict"]


def _reveal_html(reveal: Any) -> str:
    """A figure as an inline PNG, an object with ``_repr_html_`` as its HTML, anything else as escaped text."""
    if reveal is None:
        return ""
    if hasattr(reveal, "savefig"):
        buffer = io.BytesIO()
        reveal.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        return f'<img src="data:image/png;base64,{png}" alt="the result of the run">'
    if hasattr(reveal, "_repr_html_"):
        return reveal._repr_html_()
    return f"<p>{html.escape(str(reveal))}</p>"


class Prediction:
    """One question, its answer from the run, and what to show once the reader has answered."""

    def __init__(
        self,
        question: str,
        kind: str,
        answer: Any,
        choices: list[str],
        tolerance: float,
        reveal_html: str,
        explanation: str,
        key: str,
    ) -> None:
        self.question, self.kind, self.answer, self.choices = question, kind, answer, choices
        self.tolerance, self.reveal_html, self.explanation, self.key = tolerance, reveal_html, explanation, key

    def __repr__(self) -> str:
        options = f" Choices: {', '.join(self.choices)}." if self.choices else ""
        return f"Predict: {self.question}{options} (answer it on the page; the run's answer: {self._answer_text()})"

    def _answer_text(self) -> str:
        if self.kind == "rank":
            return " → ".join(self.answer)
        return f"{self.answer:g}" if self.kind == "number" else str(self.answer)

    def _controls_html(self, uid: str) -> str:
        if self.kind == "choice":
            return "".join(
                f'<label class="dlp-choice"><input type="radio" name="{uid}-choice" value="{i}"> '
                f"{html.escape(choice)}</label>"
                for i, choice in enumerate(self.choices)
            )
        if self.kind == "number":
            return '<input type="number" step="any" aria-label="your prediction">'
        places = "".join(f'<option value="{i}">{i}</option>' for i in range(1, len(self.choices) + 1))
        return "".join(
            f'<label class="dlp-rank"><select aria-label="place of {html.escape(choice)}">{places}</select>'
            f"{html.escape(choice)}</label>"
            for choice in self.choices
        )

    def _repr_html_(self) -> str:
        uid = "dlp-" + uuid.uuid4().hex[:12]
        data = {"kind": self.kind, "answer": self.answer, "choices": self.choices, "tolerance": self.tolerance}
        reveal = self.reveal_html
        if self.explanation:
            reveal = f'<p class="dlp-explanation">{html.escape(self.explanation)}</p>' + reveal
        return render(
            asset("predict.html"),
            uid=uid,
            key=self.key,
            question=html.escape(self.question),
            controls=self._controls_html(uid),
            reveal=reveal,
            data=json_for_script(data),
            css=asset("predict.css"),
            script=render(asset("predict.js"), uid=uid),
        )


def make_prediction(
    question: str,
    *,
    answer: Any,
    choices: Sequence[str] | None = None,
    tolerance: float | None = None,
    reveal: Any = None,
    explanation: str = "",
    key: str | None = None,
) -> Prediction:
    """The :class:`Prediction` that :func:`predict` shows (see the module docstring for the three kinds).

    ``key`` names the question in the reader's saved answers (default: derived from the question text).
    """
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"question must be a non-empty string, got {question!r}")
    if not isinstance(explanation, str):
        raise TypeError(f"explanation must be a string, got {type(explanation).__name__}")
    if choices is None:
        if not is_number(answer) or not math.isfinite(float(answer)):
            raise TypeError(f"answer must be a finite number when there are no choices, got {answer!r}")
        if tolerance is None:
            raise ValueError("tolerance must be given for a numeric prediction (how close counts as right)")
        kind, options, tol, value = "number", [], check_number("tolerance", tolerance, minimum=0), float(answer)
    else:
        options = [str(c) for c in choices]
        if len(options) < 2 or len(set(options)) != len(options):
            raise ValueError(f"choices must be at least two different options, got {options}")
        if tolerance is not None:
            raise ValueError("tolerance applies to numeric predictions only (no choices)")
        tol = 0.0
        if isinstance(answer, (list, tuple)):
            kind, value = "rank", [str(a) for a in answer]
            if sorted(value) != sorted(options):
                raise ValueError(f"answer must order every choice exactly once, got {value} for {options}")
        else:
            kind, value = "choice", str(answer)
            if value not in options:
                raise ValueError(f"answer must be one of the choices {options}, got {answer!r}")
    key = key if key is not None else hashlib.sha1(question.encode()).hexdigest()[:12]
    if not isinstance(key, str) or not key.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"key must be letters, digits, '-' or '_', got {key!r}")
    return Prediction(question.strip(), kind, value, options, tol, _reveal_html(reveal), explanation, key)


def predict(question: str, **options: Any) -> None:
    """Ask the reader to predict, with the run's ``answer``, and show the question where the cell stands.

    Takes the arguments of :func:`make_prediction`. Like :func:`dlbook.book.claim` it displays itself, so one cell
    may ask several questions.
    """
    from IPython.display import display

    display(make_prediction(question, **options))
