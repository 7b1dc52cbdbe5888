"""Turn the threshold table's Python format strings into Prometheus (Go) annotation templates.

The web service fills `{node}`, `{threshold}`, `{for_human}` and `{value}` with `str.format`; Prometheus
must render the same sentence, so constants are formatted here and the live parts become Go template
actions with the equivalent printf verb.
"""

from __future__ import annotations

import re
import string

from alerts.thresholds import Threshold, human_duration

# The inventory name when the target carries a `node` label (http_sd from the service), else host:port.
NODE_TEMPLATE = "{{ with $labels.node }}{{ . }}{{ else }}{{ $labels.instance }}{{ end }}"

_PRINTF_SPEC = re.compile(r"\.?\d*[dfgeE]?")


def _value_action(spec: str) -> str:
    if not spec:
        return "{{ $value }}"
    if not _PRINTF_SPEC.fullmatch(spec):
        raise ValueError(f"format spec {spec!r} has no printf equivalent")
    verb = spec if spec[-1].isalpha() else f"{spec}g"
    return f'{{{{ printf "%{verb}" $value }}}}'


def go_template(text: str, threshold: Threshold) -> str:
    """`text` (a summary or description of `threshold`) as a Prometheus annotation template."""
    out: list[str] = []
    for literal, field, spec, conversion in string.Formatter().parse(text):
        out.append(literal)
        if field is None:
            continue
        if conversion:
            raise ValueError(f"conversion !{conversion} in {text!r} has no Go equivalent")
        if field == "node":
            out.append(NODE_TEMPLATE)
        elif field == "value":
            out.append(_value_action(spec or ""))
        elif field == "threshold":
            out.append(format(threshold.value, spec or ""))
        elif field == "for_human":
            out.append(format(human_duration(threshold.for_seconds), spec or ""))
        else:
            raise ValueError(f"unknown placeholder {{{field}}} in {text!r}")
    return "".join(out)
