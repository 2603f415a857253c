"""Helpers for the book's pages: glued values and checked claims (not needed to train anything).

A chapter says things about its own runs: "the high learning rate diverges", "dropout narrows the gap". Each
such sentence is backed by :func:`claim`, which shows a small "checked" mark on the page when the statement
holds and raises :class:`ClaimError` when it does not, so a re-executed chapter can never silently contradict
its own output. Numbers that the prose quotes are :func:`glue`-d, never typed by hand.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
from IPython.core.formatters import format_display_data
from IPython.display import display

__all__ = ["Claim", "ClaimError", "claim", "glue"]

GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value: Any, display_value: bool = True) -> None:
    """Show ``value`` and store it under ``name`` so the page can place it elsewhere (MyST-NB's glue format).

    The prose refers to it with ``{glue:text}`name:.3f``` (a number) or ``{glue:figure}`name``` (a figure).
    ``display_value=False`` stores the value without showing it where the cell stands (as
    ``myst_nb.glue(..., display=False)``). Works without myst-nb installed (e.g. on Colab).
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if not isinstance(display_value, bool):
        raise TypeError(f"display_value must be a bool, got {display_value!r}")
    if isinstance(value, np.generic):  # np.float64(0.5) would be stored as that text, and not format as a number
        value = value.item()
    bundle, metadata = format_display_data(value)
    # myst-nb's own glue() marks a value that is stored but not shown by this prefix on its mime types.
    prefix = "" if display_value else GLUE_PREFIX
    metadata = dict(metadata)
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


class ClaimError(AssertionError):
    """A statement the book makes about a run does not hold for this run."""


def _show(value: Any) -> str:
    """A short, readable form of one piece of evidence."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Claim:
    """A checked statement and the values that back it; shows as a small mark in Jupyter and on the website."""

    def __init__(self, statement: str, evidence: dict[str, Any]) -> None:
        self.statement = statement
        self.evidence = dict(evidence)

    def evidence_text(self) -> str:
        return ", ".join(f"{k} = {_show(v)}" for k, v in self.evidence.items())

    def __repr__(self) -> str:
        extra = f" ({self.evidence_text()})" if self.evidence else ""
        return f"✓ checked when this page was built: {self.statement}{extra}"

    def _repr_html_(self) -> str:
        evidence = html.escape(self.evidence_text())
        title = f' title="{evidence}"' if evidence else ""
        details = f'<span class="dlbook-claim-evidence">{evidence}</span>' if evidence else ""
        return (
            f'<div class="dlbook-claim"{title}><span class="dlbook-claim-mark">✓ checked</span> '
            f'<span class="dlbook-claim-text">{html.escape(self.statement)}</span>{details}</div>'
        )


def claim(statement: str, holds: bool | np.bool_, **evidence: Any) -> None:
    """Check a statement the prose makes about a run; raise :class:`ClaimError` when it does not hold.

    ``holds`` is the test, computed from the run (``final_lr_1 > 10 * final_lr_2``); ``evidence`` are the
    values it rests on, quoted in the page's mark and in the error. Tolerances belong in ``holds``: write claims
    that hold for every seed and on CPU and GPU alike, not only for the one run on this machine. A claim that
    holds is shown as a :class:`Claim` mark where the cell stands.

    >>> claim("the loss went down", 0.3 < 2.3, first=2.3, last=0.3)
    ✓ checked when this page was built: the loss went down (first = 2.3, last = 0.3)
    """
    if not isinstance(statement, str) or not statement.strip():
        raise ValueError(f"statement must be a non-empty string, got {statement!r}")
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"holds must be a bool (the result of the check), got {type(holds).__name__}: {holds!r}")
    result = Claim(statement.strip(), evidence)
    if not bool(holds):
        detail = f"; evidence: {result.evidence_text()}" if evidence else ""
        raise ClaimError(f"The book claims {result.statement!r}, but this run does not show it{detail}")
    display(result)
