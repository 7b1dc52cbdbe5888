"""Writes a scrape's families in the text format or OpenMetrics 1.0, byte for byte as prometheus_client does.

prometheus_client 0.26 checks and escapes every metric and label name character by character, which was half
of a scrape's time. This exporter's families are plain gauges, counters and untyped metrics with legacy names,
which no escaping changes: the writer handles exactly that case, with each name checked once, and hands
anything else (another type, a unit, an exemplar, a timestamp, a name that needs escaping) to the library.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.exposition import generate_latest as library_text
from prometheus_client.openmetrics.exposition import ALLOWUTF8, UNDERSCORES
from prometheus_client.openmetrics.exposition import generate_latest as library_openmetrics
from prometheus_client.utils import floatToGoString

# Names every escaping scheme we write for leaves alone (no colon: OpenMetrics' underscores escaping
# rewrites sample names with the label-name character set).
PLAIN_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"gauge": "gauge", "counter": "counter", "unknown": "untyped"}  # OpenMetrics type → text format's
NOTHING_MORE = (None, None, None)
# Label sets remembered with their written form; devices come and go, so the memory is bounded.
MAX_LABEL_SETS = 20000
Encoder = Callable[[list[Metric]], bytes]


class UnsupportedError(Exception):
    """A family this writer leaves to prometheus_client."""


class Parts(Metric):
    """A family made of parts that keep their written sample lines between scrapes.

    The textfile collector serves a file's families unchanged until the file changes: each part (one
    file's share of the family) is written once, and later scrapes reuse its lines.
    """

    def __init__(self, name: str, documentation: str, kind: str, parts: list[Metric]) -> None:
        super().__init__(name, documentation, kind)
        self.parts = parts
        self.samples = [sample for part in parts for sample in part.samples]  # for the library's encoders


class Frozen:
    """Already collected families, in the shape prometheus_client's encoders read."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def go_float(value: float) -> str:
    """floatToGoString, without its extra work for the usual finite, not too large value."""
    text = repr(float(value))
    if text[-1] in "fn":  # inf, nan
        return str(floatToGoString(value))
    if value > 0:
        dot = text.find(".")
        if dot > 6:  # Go switches to an exponent sooner than Python
            mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
            return f"{mantissa}e+{dot - 1:02d}"
    return text


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Writer:
    """Encodes families; remembers the names it has checked, since each scrape repeats the last one's."""

    def __init__(self) -> None:
        self._plain: set[str] = set()
        self._labels: dict[tuple[tuple[str, str], ...], str] = {}
        # Families are a fixed set (HELP never depends on the data), so this one needs no bound.
        self._headers: dict[tuple[str, str, str, bool], str] = {}

    def _check(self, name: str) -> None:
        if name not in self._plain:
            if PLAIN_NAME.fullmatch(name) is None:
                raise UnsupportedError(name)
            self._plain.add(name)

    def _label_set(self, labels: dict[str, str]) -> str:
        """`a="1",b="2"`: sorted and escaped once per label set, as the same ones come back every scrape."""
        key = tuple(labels.items())
        written = self._labels.get(key)
        if written is None:
            for label in labels:
                self._check(label)
            written = ",".join(f'{name}="{escape(value)}"' for name, value in sorted(labels.items()))
            if len(self._labels) >= MAX_LABEL_SETS:
                self._labels.clear()
            self._labels[key] = written
        return written

    def _header(self, name: str, kind: str, documentation: str, text: bool = False) -> str:
        """The HELP and TYPE lines; the text format leaves double quotes in HELP unescaped."""
        key = (name, kind, documentation, text)
        header = self._headers.get(key)
        if header is None:
            self._check(name)
            if text:
                documentation = documentation.replace("\\", "\\\\").replace("\n", "\\n")
            else:
                documentation = escape(documentation)
            header = self._headers[key] = f"# HELP {name} {documentation}\n# TYPE {name} {kind}\n"
        return header

    def _samples(self, family: Metric, out: list[str]) -> None:
        if isinstance(family, Parts):
            for part in family.parts:
                # Sample lines are the same in both formats; a part that raises is not remembered.
                written = getattr(part, "written", None)
                if written is None:
                    lines: list[str] = []
                    self._samples(part, lines)
                    written = part.written = "".join(lines)  # type: ignore[attr-defined]
                out.append(written)
            return
        for sample in family.samples:
            name, labels, value = sample[:3]
            # No timestamp, exemplar or native histogram; no _created sample, which the text format moves.
            if sample[3:] != NOTHING_MORE or value is None or name.endswith("_created"):
                raise UnsupportedError(family.name)
            self._check(name)
            if labels:
                out.append(f"{name}{{{self._label_set(labels)}}} {go_float(value)}\n")
            else:
                out.append(f"{name} {go_float(value)}\n")

    def text(self, families: list[Metric]) -> bytes:
        """Text format 0.0.4; raises UnsupportedError for what it does not write."""
        out: list[str] = []
        for family in families:
            kind = TYPES.get(family.type)
            if kind is None or family.unit:
                raise UnsupportedError(family.name)
            name = family.name + "_total" if kind == "counter" else family.name
            out.append(self._header(name, kind, family.documentation, text=True))
            self._samples(family, out)
        return "".join(out).encode()

    def openmetrics(self, families: list[Metric]) -> bytes:
        """OpenMetrics 1.0; raises UnsupportedError for what it does not write."""
        out: list[str] = []
        for family in families:
            if family.type not in TYPES or family.unit:
                raise UnsupportedError(family.name)
            out.append(self._header(family.name, family.type, family.documentation))
            self._samples(family, out)
        out.append("# EOF\n")
        return "".join(out).encode()


def _encode(own: Encoder | None, library: Callable[[Frozen], bytes], families: list[Metric]) -> bytes:
    if own is not None:
        try:
            return own(families)
        except UnsupportedError:
            pass
    return library(Frozen(families))


def negotiate(accept: str, writer: Writer) -> tuple[Encoder, str]:
    """prometheus_client's content negotiation, with the writer wherever it gives the library's bytes."""
    library, content_type = choose_encoder(accept)
    func = getattr(library, "func", library)
    keywords = getattr(library, "keywords", {})
    own: Encoder | None = None
    if keywords.get("escaping", UNDERSCORES) in (UNDERSCORES, ALLOWUTF8):
        if func is library_text:
            own = writer.text
        elif func is library_openmetrics and keywords.get("version") == "1.0.0":
            own = writer.openmetrics
    return partial(_encode, own, library), content_type
