"""Answerable predictions: three kinds, answers from the run, escaped text, and checks up front."""

import json
import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlbook.predict import make_prediction, predict  # noqa: E402


def payload(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="dlp-\w+-data">(.*?)</script>', page, re.S)[1])


def test_a_choice_question_embeds_choices_answer_and_a_hidden_reveal():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    page = make_prediction(
        "Which diverges?", choices=["1e-3", "1"], answer="1", reveal=fig, explanation="lr=1 blew up"
    )._repr_html_()
    plt.close(fig)
    data = payload(page)
    assert data == {"kind": "choice", "answer": "1", "choices": ["1e-3", "1"], "tolerance": 0.0}
    assert '<div class="dlp-reveal" hidden>' in page
    assert "data:image/png;base64," in page
    assert "lr=1 blew up" in page
    assert page.count('type="radio"') == 2


def test_a_numeric_question_needs_a_tolerance_and_a_number():
    p = make_prediction("Validation accuracy?", answer=0.93, tolerance=0.05)
    assert payload(p._repr_html_())["kind"] == "number"
    with pytest.raises(ValueError, match="tolerance"):
        make_prediction("Validation accuracy?", answer=0.93)
    with pytest.raises(TypeError, match="answer"):
        make_prediction("Validation accuracy?", answer="high", tolerance=0.1)


def test_an_ordering_must_rank_every_choice_once():
    p = make_prediction("Rank by final loss", choices=["sgd", "adam", "rmsprop"], answer=["adam", "rmsprop", "sgd"])
    page = p._repr_html_()
    assert payload(page)["answer"] == ["adam", "rmsprop", "sgd"]
    assert page.count("<select") == 3
    with pytest.raises(ValueError, match="order every choice"):
        make_prediction("Rank", choices=["a", "b"], answer=["a", "a"])


def test_the_answer_must_be_one_of_the_choices():
    with pytest.raises(ValueError, match="one of the choices"):
        make_prediction("Which?", choices=["a", "b"], answer="c")
    with pytest.raises(ValueError, match="at least two"):
        make_prediction("Which?", choices=["a"], answer="a")


def test_hostile_question_choices_and_explanation_stay_text():
    hostile = "</script><script>alert(1)</script><!--"
    page = make_prediction(hostile, choices=[hostile, "b"], answer=hostile, explanation=hostile)._repr_html_()
    assert "alert(1)</script>" not in page
    assert "<!--" not in page
    assert payload(page)["answer"] == hostile
    assert len(re.findall(r"<script", page)) == 2


def test_the_saved_answer_key_is_stable_and_checked():
    a = make_prediction("Same question?", answer=1.0, tolerance=0.1)
    b = make_prediction("Same question?", answer=2.0, tolerance=0.1)
    assert a.key == b.key
    with pytest.raises(ValueError, match="key"):
        make_prediction("Q", answer=1.0, tolerance=0.1, key="no spaces allowed")


def test_plain_text_names_the_question_and_the_runs_answer():
    assert "the run's answer: 0.93" in repr(make_prediction("Accuracy?", answer=0.93, tolerance=0.02))


def test_predict_displays_the_question_itself_so_a_cell_can_ask_twice():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as captured:
        assert predict("First?", answer=1.0, tolerance=0.1) is None
        predict("Second?", choices=["a", "b"], answer="a")
    assert len(captured.outputs) == 2
    assert "Second?" in captured.outputs[1].data["text/html"]
