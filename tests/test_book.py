"""Checked claims and glued values: what a chapter's prose rests on."""

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from dlbook.book import GLUE_PREFIX, Claim, ClaimError, claim, glue


@pytest.fixture(scope="module", autouse=True)
def shell():
    return InteractiveShell.instance()  # display() publishes through the shell, as in a kernel


def test_a_claim_that_holds_shows_a_checked_mark_with_its_evidence():
    with capture_output() as captured:
        claim("the high learning rate diverges", 5.0 > 1.0, val_loss=5.0, limit=1)
    (output,) = captured.outputs
    html = output.data["text/html"]
    assert 'class="dlbook-claim"' in html
    assert "the high learning rate diverges" in html
    assert "val_loss = 5" in html
    assert output.data["text/plain"].startswith("✓ checked when this page was built")


def test_a_claim_that_fails_raises_and_quotes_statement_and_evidence():
    with pytest.raises(ClaimError) as info:
        claim("A beats B", 0.91 > 0.95, a=0.91, b=0.95)
    message = str(info.value)
    assert "'A beats B'" in message
    assert "a = 0.91" in message
    assert "b = 0.95" in message


def test_claim_error_is_an_assertion_error_so_nbmake_and_the_build_fail():
    assert issubclass(ClaimError, AssertionError)


def test_numpy_booleans_are_accepted_as_the_test():
    with capture_output() as captured:
        claim("mean above zero", np.mean([1, 2]) > 0)
    assert len(captured.outputs) == 1


@pytest.mark.parametrize("holds", [1, 0.0, "yes", None, [True]])
def test_holds_must_be_a_bool_not_a_truthy_value(holds):
    with pytest.raises(TypeError, match="holds must be a bool"):
        claim("something", holds)


@pytest.mark.parametrize("statement", ["", "   ", None, 3])
def test_statement_must_be_non_empty_text(statement):
    with pytest.raises(ValueError, match="statement"):
        claim(statement, True)


def test_hostile_statement_and_evidence_are_escaped_in_the_mark():
    mark = Claim('<script>alert("x")</script>', {"note": "</div><img src=x onerror=alert(1)>"})._repr_html_()
    assert "<script>" not in mark
    assert "<img" not in mark
    assert "&lt;script&gt;" in mark


def test_long_evidence_is_shortened_and_floats_are_readable():
    text = Claim("s", {"x": 0.123456789, "long": "a" * 200, "inf": float("inf")}).evidence_text()
    assert "x = 0.1235" in text
    assert "inf = inf" in text
    assert len(text) < 120


def test_glue_stores_under_the_name_and_can_hide_the_value():
    with capture_output() as captured:
        glue("shown", 1.5)
        glue("hidden", 2.5, display_value=False)
    shown, hidden = captured.outputs
    assert shown.metadata["scrapbook"] == {"name": "shown", "mime_prefix": ""}
    assert shown.data["text/plain"] == "1.5"
    assert hidden.metadata["scrapbook"] == {"name": "hidden", "mime_prefix": GLUE_PREFIX}
    assert set(hidden.data) == {GLUE_PREFIX + "text/plain"}


def test_glue_rejects_bad_names():
    with pytest.raises(ValueError, match="name"):
        glue("", 1)


def test_glue_stores_numpy_scalars_as_plain_numbers_so_the_page_can_format_them():
    with capture_output() as captured:
        glue("np_value", np.float64(0.25), display_value=False)
    (output,) = captured.outputs
    assert output.data[GLUE_PREFIX + "text/plain"] == "0.25"
