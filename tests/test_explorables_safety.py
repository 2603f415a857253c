"""Hostile text cannot break out of an explorable's page fragment: one-pass rendering and escaped JSON."""

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from dlbook import data as datasets
from dlbook.explorables import Explorable, ThresholdExplorable, json_for_script, render, threshold_table
from dlbook.train import History

HOSTILE = ["</script><script>alert(1)</script>", "<!--<script>", "{{data}}", "{{uid}}", "a & b > c", "\u2028"]


def script_bodies(page: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)


def one_run(message: str = "") -> History:
    h = History({"lr": 0.1})
    for epoch in (1, 2):
        h.append(epoch=epoch, train_loss=1.0 / epoch, val_loss=1.2 / epoch, train_acc=0.5, val_acc=0.4)
    h.message = message
    return h


def test_render_fills_every_field_once_and_never_rescans_values():
    assert render("<b>{{a}}</b>{{b}}", a="{{b}}", b="x") == "<b>{{b}}</b>x"
    with pytest.raises(ValueError, match="differ"):
        render("{{a}}", b="x")


def test_json_for_script_escapes_what_could_end_the_script_and_stays_valid_json():
    text = json_for_script({"t": "</script><!-- & >"})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert json.loads(text) == {"t": "</script><!-- & >"}
    with pytest.raises(ValueError):
        json_for_script({"x": float("nan")})


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_title_label_and_message_stay_text_in_the_grid_explorable(hostile):
    runs = [({"optimizer": hostile}, one_run(message=hostile)), ({"optimizer": "adam"}, one_run())]
    page = Explorable({"optimizer": [hostile, "adam"]}, runs, title=hostile, fixed={"note": hostile})._repr_html_()
    scripts = script_bodies(page)
    assert len(scripts) == 2  # the JSON data and the chart script: nothing injected
    payload = json.loads(scripts[0])
    assert payload["title"] == hostile
    assert payload["runs"][0]["message"] == hostile
    assert "alert(1)</script>" not in page
    assert page.count("<!--") == 0
    title = re.search(r'<div class="dlx-title">(.*?)</div>', page, re.S).group(1)
    assert html.unescape(title) == hostile  # shown as text, fields inside it not filled in


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_values_in_a_threshold_table_stay_inside_the_json(hostile):
    table = threshold_table(np.array([0, 1, 1, 0]), np.array([0.1, 0.9, 0.6, 0.4]), [0.5])
    table["note"] = hostile  # a string column
    page = ThresholdExplorable(table, title=hostile)._repr_html_()
    scripts = script_bodies(page)
    assert len(scripts) == 2
    assert json.loads(scripts[0])[0]["note"] == hostile
    assert "<!--" not in page
    assert "alert(1)</script>" not in page


def test_a_real_explore_page_embeds_its_runs_as_parseable_json():
    from dlbook.explorables import explore

    page = explore(datasets.moons(), grid={"lr": [0.01, 0.1]}, epochs=2, device="cpu")._repr_html_()
    payload = json.loads(script_bodies(page)[0])
    assert [axis["name"] for axis in payload["axes"]] == ["lr"]
    assert len(payload["runs"]) == 2
    assert isinstance(pd.DataFrame(payload["runs"]), pd.DataFrame)


def test_an_explorable_needs_a_run_for_every_combination_of_its_grid():
    runs = [({"lr": 0.1, "batch_size": 32}, one_run()), ({"lr": 0.01, "batch_size": 32}, one_run())]
    with pytest.raises(ValueError, match=r"every combination.*1 missing, e.g. \{'lr': 0.1, 'batch_size': 64\}"):
        Explorable(
            {"lr": [0.1, 0.01], "batch_size": [32, 64]},
            [*runs, ({"lr": 0.01, "batch_size": 64}, one_run())],
        )
