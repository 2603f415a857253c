"""The built website in a real browser: snapshots, explorables, math, and no network at all.

Every page is opened from a local HTTP server (see conftest.py). A request that leaves 127.0.0.1 is blocked and
counts as a failure, so a page that would need a CDN fails here even on a machine with internet access.
Full-page screenshots go to `_build/screenshots/<page>.png`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Route

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
EXEMPLAR = "book/part1_concepts/10_learning_rate.html"
KERNEL_NOTE = "Live training needs a running Python kernel"
TIMEOUT = 60_000  # ms: page loads and MathJax on a busy machine


def _pages_with(*classes: str) -> list[str]:
    """Built chapter pages (relative to _build/html) holding an element of any of these classes."""
    pages = []
    for path in sorted((HTML / "book").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if any(f'class="{name}"' in text for name in classes):
            pages.append(path.relative_to(HTML).as_posix())
    return pages


def _interactive_pages() -> list[str]:
    """Built chapter pages with a panel snapshot or an explorable."""
    return _pages_with("dlbook-panel-snapshot", "dlbook-explorable")


# ---------------------------------------------------------------------------------------------------------
# A page that records every problem: console errors, uncaught exceptions, failed or off-site requests
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def problems() -> list[str]:
    """Everything that went wrong on the page under test (filled in by the `page` fixture)."""
    return []


@pytest.fixture
def page(browser: Browser, site: str, problems: list[str]) -> Iterator[Page]:
    """A fresh browser page that records console errors, uncaught exceptions, failed requests, HTTP errors and
    any request that leaves the local site (those are blocked: the site must work offline)."""

    def route(route: Route) -> None:
        if route.request.url.startswith(site):
            route.continue_()
        else:
            problems.append(f"off-site request: {route.request.url}")
            route.abort()

    def on_response(response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.route("**/*", route)
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url} ({request.failure})"))
    page.on("response", on_response)
    yield page
    context.close()


def _wait_for_math(page: Page) -> None:
    """Wait until MathJax (when the page loads it) has typeset everything."""
    if page.locator("script[src*='mathjax']").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise.then(() => true)")


def _open(page: Page, url: str) -> None:
    page.goto(url, wait_until="load")
    _wait_for_math(page)


def _screenshot(page: Page, path: Path) -> None:
    """Full-page screenshot from the top with nothing focused (the theme's header and sidebars are sticky: they
    would be drawn where the page was scrolled to, and a focused control shows the "skip to content" bar)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.screenshot(path=str(path), full_page=True)


def _screenshot_name(relative: str) -> str:
    return relative.removeprefix("book/").removesuffix(".html").replace("/", "__") + ".png"


# ---------------------------------------------------------------------------------------------------------
# What every chapter with widgets must show
# ---------------------------------------------------------------------------------------------------------


def _check_snapshots(page: Page) -> None:
    """Each panel snapshot is visible, its plot image has loaded, and it says that live training needs a kernel."""
    snapshots = page.locator(".dlbook-panel-snapshot")
    for i in range(snapshots.count()):
        snapshot = snapshots.nth(i)
        snapshot.scroll_into_view_if_needed()
        assert snapshot.is_visible(), f"snapshot {i} is hidden"
        image = snapshot.locator("img").first
        assert image.evaluate("(img) => img.complete && img.naturalWidth > 0"), f"snapshot {i}: plot not loaded"
        assert KERNEL_NOTE in snapshot.inner_text(), f"snapshot {i}: the note about the kernel is missing"


def _val_loss_path(explorable: Locator) -> str:
    return explorable.locator("path.val-loss").first.get_attribute("d") or ""


NEXT_RANGE_VALUE = """(input) => {
  const max = Number(input.max), now = Number(input.value);
  input.value = String(now < max ? now + 1 : now - 1);
  input.dispatchEvent(new Event("input", {bubbles: true}));
  input.dispatchEvent(new Event("change", {bubbles: true}));
}"""


def _change(explorable: Locator, control: Locator) -> None:
    """Move a slider one step (or pick another option of a drop-down), as a reader would."""
    if control.evaluate("(el) => el.tagName") == "SELECT":
        current = control.input_value()
        options = control.locator("option").evaluate_all("(options) => options.map((o) => o.value)")
        control.select_option(next(value for value in options if value != current))
        return
    shown = explorable.locator("output#" + control.get_attribute("id").replace("-ctl-", "-out-"))
    before = shown.inner_text()
    control.evaluate(NEXT_RANGE_VALUE)
    assert shown.inner_text() != before, f"the value shown next to {control.get_attribute('data-param')} did not change"


def _check_explorables(page: Page) -> None:
    """Each explorable draws its chart, and changing any one of its controls redraws the validation curve."""
    explorables = page.locator(".dlbook-explorable")
    for i in range(explorables.count()):
        explorable = explorables.nth(i)
        explorable.scroll_into_view_if_needed()
        assert explorable.locator("svg").first.is_visible(), f"explorable {i}: no chart"
        assert _val_loss_path(explorable), f"explorable {i}: empty validation-loss curve"
        controls = explorable.locator("input[type=range][data-param], select[data-param]")
        assert controls.count() > 0, f"explorable {i}: no controls"
        for j in range(controls.count()):
            control = controls.nth(j)
            before = _val_loss_path(explorable)
            _change(explorable, control)
            after = _val_loss_path(explorable)
            # a run that diverged in its first epoch has no finite validation loss to draw: it must say so instead
            diverged = explorable.locator(".dlx-diverged").count() > 0 and not after
            assert diverged or (after and after != before), (
                f"explorable {i}: changing {control.get_attribute('data-param')} did not redraw the curve"
            )
            if diverged:
                assert "diverged" in explorable.locator(".dlx-diverged").inner_text().lower()


BROKEN_IMAGES = """() => [...document.querySelectorAll("main img")]
  .filter((img) => !(img.complete && img.naturalWidth > 0))
  .map((img) => img.src.slice(0, 80))"""


def _check_images(page: Page) -> None:
    """Every image in the page (plots are inlined PNGs or files next to the page) has loaded."""
    broken = page.evaluate(BROKEN_IMAGES)
    assert not broken, f"images that did not load: {broken}"


RAW_TEXT = """() => {
  const main = (document.querySelector("main") || document.body).cloneNode(true);
  main.querySelectorAll("pre, code, script, style, mjx-container, .cell_output").forEach((el) => el.remove());
  return main.textContent;
}"""


def _check_math(page: Page) -> None:
    """Every math element was typeset by MathJax, and no TeX is left in the prose."""
    counts = page.evaluate("""() => {
      const math = [...document.querySelectorAll("span.math, div.math")];
      return {math: math.length, typeset: math.filter((m) => m.querySelector("mjx-container")).length};
    }""")
    assert counts["math"] == counts["typeset"], f"math elements not typeset: {counts}"
    text = page.evaluate(RAW_TEXT)
    for tex in ("$$", "\\frac", "\\begin{", "\\eta"):
        assert tex not in text, f"raw TeX {tex!r} in the page text"


# ---------------------------------------------------------------------------------------------------------
# The chapter pages with widgets
# ---------------------------------------------------------------------------------------------------------


def test_interactive_pages_are_found() -> None:
    pages = _interactive_pages()
    assert pages, f"no page under {HTML / 'book'} has a panel snapshot or an explorable: run `make site` first"
    assert EXEMPLAR in pages, pages


@pytest.mark.parametrize("relative", _interactive_pages() or ["(none found)"])
def test_interactive_page(page: Page, site: str, problems: list[str], screenshots_dir: Path, relative: str) -> None:
    if relative == "(none found)":
        pytest.fail(f"no page under {HTML / 'book'} has a panel snapshot or an explorable: run `make site` first")
    _open(page, site + relative)
    _check_images(page)
    _check_snapshots(page)
    _check_explorables(page)
    _check_math(page)
    if relative == EXEMPLAR:  # it has one of each, and display and inline math
        assert page.locator(".dlbook-panel-snapshot").count() == 1
        assert page.locator(".dlbook-explorable").count() == 1
        assert page.locator("mjx-container").count() > 0
    _screenshot(page, screenshots_dir / _screenshot_name(relative))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------------------
# Claim marks: every chapter whose code checks claims shows them, styled by dlbook/static/claims.css
# ---------------------------------------------------------------------------------------------------------


def _chapters_with_claims() -> list[tuple[str, int]]:
    """(page relative to _build/html, number of claim( calls in its notebook) for every chapter that has claims."""
    found = []
    for notebook in sorted((ROOT / "book").glob("part*/*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        n = sum(len(re.findall(r"\bclaim\(", "".join(c["source"]))) for c in cells if c["cell_type"] == "code")
        if n:
            found.append((notebook.relative_to(ROOT).with_suffix(".html").as_posix(), n))
    return found


@pytest.mark.parametrize(("relative", "n_claims"), _chapters_with_claims() or [("(none found)", 0)])
def test_chapter_shows_its_claim_marks(
    page: Page, site: str, problems: list[str], relative: str, n_claims: int
) -> None:
    if relative == "(none found)":
        pytest.fail("no chapter notebook calls claim(...)")
    _open(page, site + relative)
    marks = page.locator(".dlbook-claim")
    minimum = min(n_claims, 5) if "part1_concepts" in relative else 1
    assert marks.count() >= minimum, f"{relative}: {marks.count()} claim marks shown, expected >= {minimum}"
    first = marks.first
    assert "checked" in first.inner_text()
    style = first.evaluate("e => getComputedStyle(e).borderLeftStyle")
    assert style == "solid", "claims.css is not applied to the claim marks"
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------------------
# Predictions: the result stays hidden until the reader answers; the answer is remembered after a reload
# ---------------------------------------------------------------------------------------------------------


def _prediction_pages() -> list[str]:
    return _pages_with("dlbook-predict")


def _answer(widget: Locator, data: dict) -> str:
    """Give the run's own answer in the widget's controls; return the text the feedback should show."""
    if data["kind"] == "choice":
        widget.locator("input[type=radio]").nth(data["choices"].index(data["answer"])).check()
        return data["answer"]
    if data["kind"] == "number":
        widget.locator("input[type=number]").fill(repr(data["answer"]))
        return ""
    for place, item in enumerate(data["answer"], start=1):
        widget.locator("select").nth(data["choices"].index(item)).select_option(str(place))
    return " → ".join(data["answer"])


def test_chapters_that_train_models_ask_for_predictions() -> None:
    assert len(_prediction_pages()) >= 3, "fewer than three chapter pages have an answerable prediction"


@pytest.mark.parametrize("relative", _prediction_pages()[:4] or ["(none found)"])
def test_prediction_reveals_after_answering_and_remembers(
    page: Page, site: str, problems: list[str], screenshots_dir: Path, relative: str
) -> None:
    if relative == "(none found)":
        pytest.fail("no page has an answerable prediction")
    _open(page, site + relative)
    widget = page.locator(".dlbook-predict").first
    widget.scroll_into_view_if_needed()
    reveal, feedback = widget.locator(".dlp-reveal"), widget.locator(".dlp-feedback")
    assert reveal.is_hidden(), "the result is visible before the reader answered"
    data = json.loads(widget.locator("script[type='application/json']").text_content())
    expected = _answer(widget, data)
    widget.locator(".dlp-submit").click()
    assert reveal.is_visible()
    assert "right" in feedback.inner_text()
    assert expected in feedback.inner_text()
    _screenshot(page, screenshots_dir / ("predict__" + _screenshot_name(relative)))
    page.reload(wait_until="load")
    widget = page.locator(".dlbook-predict").first
    assert widget.locator(".dlp-reveal").is_visible(), "the earlier answer was not remembered"
    assert "earlier answer" in widget.locator(".dlp-feedback").inner_text()
    assert not problems, "\n".join(problems)


def test_skipping_a_prediction_shows_the_result(page: Page, site: str, problems: list[str]) -> None:
    pages = _prediction_pages()
    if not pages:
        pytest.fail("no page has an answerable prediction")
    _open(page, site + pages[-1])
    widget = page.locator(".dlbook-predict").last
    widget.scroll_into_view_if_needed()
    widget.locator(".dlp-skip").click()
    assert widget.locator(".dlp-reveal").is_visible()
    assert "skipped" in widget.locator(".dlp-feedback").inner_text()
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------------------
# The landing page and the reference pages
# ---------------------------------------------------------------------------------------------------------


def test_landing_page_redirects_to_intro(page: Page, site: str, problems: list[str], screenshots_dir: Path) -> None:
    page.goto(site + "index.html")
    page.wait_for_url("**/book/intro.html")
    page.wait_for_load_state("load")
    _wait_for_math(page)
    assert "Deep Learning, Interactively" in page.locator("h1").first.inner_text()
    assert page.locator("nav a[href*='10_learning_rate']").count() > 0, "the exemplar is not in the navigation"
    _screenshot(page, screenshots_dir / "landing.png")
    assert not problems, "\n".join(problems)


def test_glossary_page(page: Page, site: str, problems: list[str], screenshots_dir: Path) -> None:
    _open(page, site + "book/glossary.html")
    terms = page.locator("dl.glossary > dt")
    assert terms.count() >= 10, f"only {terms.count()} glossary terms"
    assert page.locator("dl.glossary > dt#term-Learning-rate").count() == 1, "no glossary entry 'Learning rate'"
    _check_math(page)
    _screenshot(page, screenshots_dir / "glossary.png")
    assert not problems, "\n".join(problems)


def test_api_page(page: Page, site: str, problems: list[str], screenshots_dir: Path) -> None:
    _open(page, site + "book/api.html")
    trainer = page.locator("dt[id='dlbook.train.Trainer']")
    assert trainer.count() == 1, "dlbook.train.Trainer is not documented"
    assert "Trainer" in trainer.inner_text()
    assert page.locator("dt[id='dlbook.panel.TrainingPanel']").count() == 1, "TrainingPanel is not documented"
    assert page.locator("dt[id='dlbook.book.claim']").count() == 1, "claim is not documented"
    _screenshot(page, screenshots_dir / "api.png")
    assert not problems, "\n".join(problems)
