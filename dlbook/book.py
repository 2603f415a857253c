"""Small helpers for the book's pages (not needed to train anything)."""

from __future__ import annotations

from typing import Any

from IPython.core.formatters import format_display_data
from IPython.display import display


def glue(name: str, value: Any) -> None:
    """Show ``value`` and store it under ``name`` so the page can place it elsewhere (MyST-NB's glue format).

    Used for exercise solutions: the solution cell runs and shows its result in Jupyter, and on the website the
    result appears inside the collapsed solution dropdown through ``{glue:figure}``/``{glue:text}`` roles.
    Works without myst-nb installed (e.g. on Colab).
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    bundle, metadata = format_display_data(value)
    metadata = dict(metadata)
    metadata["scrapbook"] = {"name": name, "mime_prefix": ""}
    display(bundle, raw=True, metadata=metadata)
