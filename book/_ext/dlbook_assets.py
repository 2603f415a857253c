"""Sphinx extension: serve the stylesheets of the dlbook package (``dlbook/static/*.css``) on every page.

The package owns its assets (the claim marks' style, the explorables' style); the site takes them from the
installed package, so a page looks the same whether the book is built from a checkout or a pip install.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from sphinx.application import Sphinx

STYLESHEETS = ("claims.css",)


def _static_dir() -> Path:
    return Path(str(files("dlbook"))) / "static"


def setup(app: Sphinx) -> dict[str, bool]:
    folder = _static_dir()
    missing = [name for name in STYLESHEETS if not (folder / name).exists()]
    if missing:
        raise RuntimeError(f"dlbook's stylesheets {missing} are missing from {folder}: reinstall dlbook")
    app.config.html_static_path.append(str(folder))
    for name in STYLESHEETS:
        app.add_css_file(name)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
