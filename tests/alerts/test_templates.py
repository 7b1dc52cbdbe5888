from __future__ import annotations

import pytest

from alerts.templates import NODE_TEMPLATE, go_template
from alerts.thresholds import THRESHOLDS, Threshold

ROW = Threshold(
    alert="X",
    signal="cpu_percent",
    op=">",
    value=90,
    for_seconds=900,
    severity="warning",
    summary="s",
    description="d",
    runbook="r",
)


def test_placeholders_become_go_actions_or_constants():
    text = "{node}: {value:.1f} above {threshold:g} for {for_human}"
    assert go_template(text, ROW) == f'{NODE_TEMPLATE}: {{{{ printf "%.1f" $value }}}} above 90 for 15 min'


@pytest.mark.parametrize(
    ("spec", "action"),
    [("", "{{ $value }}"), (".2f", '{{ printf "%.2f" $value }}'), (".3", '{{ printf "%.3g" $value }}')],
)
def test_value_format_specs(spec: str, action: str):
    text = "{value" + (f":{spec}" if spec else "") + "}"
    assert go_template(text, ROW) == action


@pytest.mark.parametrize("text", ["{unknown}", "{value!r}", "{value:>10}"])
def test_untranslatable_text_is_refused(text: str):
    with pytest.raises(ValueError, match=r"\S"):
        go_template(text, ROW)


def test_every_row_of_the_table_translates():
    for row in THRESHOLDS:
        assert "{{" not in row.description or "$" in go_template(row.description, row)
        assert "{" not in go_template(row.summary, row).replace("{{", "").replace("}}", "")
