"""Sphinx extension: serve MathJax 3 from the site itself instead of a CDN.

The MathJax files come from the `django-static-mathjax` wheel (a plain copy of MathJax 3.2 with no
dependencies; see requirements.txt). We use the SVG output (`tex-svg.js`), which needs no web fonts, copy it and
the components it loads on demand into `_static/mathjax/`, and point Sphinx's `mathjax_path` at it. The site then
renders math with no network access.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from sphinx.application import Sphinx

COMPONENTS = ("tex-svg.js", "ui", "a11y", "input/tex/extensions")


def _source() -> Path:
    return Path(str(files("mathjax"))) / "static" / "mathjax" / "es5"


def _copy(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in COMPONENTS:
        src, dst = _source() / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def setup(app: Sphinx) -> dict[str, bool]:
    if not (_source() / "tex-svg.js").exists():
        raise RuntimeError("MathJax files not found: install the 'django-static-mathjax' package")
    app.config.mathjax_path = "mathjax/tex-svg.js"
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
