"""Writes a scrape's families in the text format or OpenMetrics 1.0, byte for byte as prometheus_client does.

prometheus_client 0.26 checks and escapes every metric and label name character by character, which was half
of a scrape's time. This exporter's families are plain gauges, counters and untyped metrics with legacy names,
which no escaping changes: the writer handles exactly that case, with each name checked once, and hands
anything else (another type, a unit, an exemplar, a timestamp, a name that needs escaping) to the library.

Families that stay the same from one scrape to the next (a textfile directory between two changes) are
written once per format, and compressed once: a gzip body is pieced together from deflate blocks that each
start afresh, so a kept block's compressed bytes fit in any body.
"""

from __future__ import annotations

import re
import struct
import zlib
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
# gzip member header: no file name, no modification time, unknown OS (RFC 1952).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# A last, empty deflate block (fixed Huffman codes, BFINAL set): ends a stream of sync-flushed pieces.
LAST_BLOCK = b"\x03\x00"


class Block:
    """Bytes of a body that later scrapes serve again, with their deflated form once it is asked for."""

    __slots__ = ("_deflated", "data")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._deflated: dict[int, bytes] = {}

    def deflated(self, level: int) -> bytes:
        deflated = self._deflated.get(level)
        if deflated is None:
            deflated = self._deflated[level] = deflate(self.data, level)
        return deflated


def deflate(data: bytes, level: int) -> bytes:
    """Raw deflate of `data` alone (no reference to anything before), ending on a byte boundary, not last."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


class Body:
    """An encoded scrape: bytes written for this scrape, and blocks kept from earlier ones."""

    __slots__ = ("chunks",)

    def __init__(self, chunks: list[bytes | Block]) -> None:
        self.chunks = chunks

    def __bytes__(self) -> bytes:
        return b"".join(chunk if isinstance(chunk, bytes) else chunk.data for chunk in self.chunks)

    def gzip(self, level: int) -> bytes:
        """One gzip member; each kept block is compressed only the first time."""
        pieces = [GZIP_HEADER]
        crc = size = 0
        for chunk in self.chunks:
            data = chunk if isinstance(chunk, bytes) else chunk.data
            crc = zlib.crc32(data, crc)
            size += len(data)
            pieces.append(deflate(data, level) if isinstance(chunk, bytes) else chunk.deflated(level))
        pieces += [LAST_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)]
        return b"".join(pieces)


Encoder = Callable[[list[Metric]], Body]


class UnsupportedError(Exception):
    """A family this writer leaves to prometheus_client."""


class Kept:
    """Marks families served unchanged over several scrapes: one run of them is written once per format."""

    def __init__(self) -> None:
        self.blocks: dict[bool, tuple[int, Block]] = {}  # text format? → (families in the run, their bytes)


class Parts(Metric):
    """A family made of parts that keep their written sample lines between scrapes.

    The textfile collector serves a file's families unchanged until the file changes: each part (one
    file's share of the family) is written once, and later scrapes reuse its lines. Families built for the
    same `kept` (every family of a directory until a file changes) are also written as one block.
    """

    def __init__(
        self, name: str, documentation: str, kind: str, parts: list[Metric], kept: Kept | None = None
    ) -> None:
        super().__init__(name, documentation, kind)
        self.parts = parts
        self.kept = kept
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
        return floatToGoString(value)
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
            written = self._write_labels(labels)
            if len(self._labels) >= MAX_LABEL_SETS:
                self._labels.clear()
            self._labels[key] = written
        return written

    def _write_labels(self, labels: dict[str, str]) -> str:
        for label in labels:
            self._check(label)
        return ",".join(f'{name}="{escape(value)}"' for name, value in sorted(labels.items()))

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

    def _samples(self, family: Metric, out: list[str], remember_labels: bool = True) -> None:
        if isinstance(family, Parts):
            for part in family.parts:
                # Sample lines are the same in both formats; a part that raises is not remembered. Its label
                # sets are not remembered either: its lines are.
                written = getattr(part, "written", None)
                if written is None:
                    lines: list[str] = []
                    self._samples(part, lines, remember_labels=False)
                    written = part.written = "".join(lines)  # type: ignore[attr-defined]
                out.append(written)
            return
        label_set = self._label_set if remember_labels else self._write_labels
        sample_name = getattr(family, "sample_name", None)
        if sample_name is not None:
            # The collectors' own families (collectors.base.Family): every sample is this name, labels and a
            # value, so the name is checked once per family.
            if sample_name.endswith("_created"):
                raise UnsupportedError(family.name)
            self._check(sample_name)
            for sample in family.samples:
                labels = sample[1]
                if labels:
                    out.append(f"{sample_name}{{{label_set(labels)}}} {go_float(sample[2])}\n")
                else:
                    out.append(f"{sample_name} {go_float(sample[2])}\n")
            return
        for sample in family.samples:
            name, labels, value = sample[:3]
            # No timestamp, exemplar or native histogram; no _created sample, which the text format moves.
            if sample[3:] != NOTHING_MORE or value is None or name.endswith("_created"):
                raise UnsupportedError(family.name)
            self._check(name)
            if labels:
                out.append(f"{name}{{{label_set(labels)}}} {go_float(value)}\n")
            else:
                out.append(f"{name} {go_float(value)}\n")

    def text(self, families: list[Metric]) -> Body:
        """Text format 0.0.4; raises UnsupportedError for what it does not write."""
        return self._body(families, text=True)

    def openmetrics(self, families: list[Metric]) -> Body:
        """OpenMetrics 1.0; raises UnsupportedError for what it does not write."""
        return self._body(families, text=False)

    def _body(self, families: list[Metric], text: bool) -> Body:
        chunks: list[bytes | Block] = []
        out: list[str] = []
        index = 0
        while index < len(families):
            family = families[index]
            kept = family.kept if isinstance(family, Parts) else None
            if kept is None:
                self._family(family, out, text)
                index += 1
                continue
            end = index + 1
            while end < len(families) and getattr(families[end], "kept", None) is kept:
                end += 1
            if out:
                chunks.append("".join(out).encode())
                out.clear()
            chunks.append(self._kept(kept, families[index:end], text))
            index = end
        if not text:
            out.append("# EOF\n")
        if out:
            chunks.append("".join(out).encode())
        return Body(chunks)

    def _family(self, family: Metric, out: list[str], text: bool) -> None:
        if text:
            kind = TYPES.get(family.type)
            if kind is None or family.unit:
                raise UnsupportedError(family.name)
            name = family.name + "_total" if kind == "counter" else family.name
            out.append(self._header(name, kind, family.documentation, text=True))
        else:
            if family.type not in TYPES or family.unit:
                raise UnsupportedError(family.name)
            out.append(self._header(family.name, family.type, family.documentation))
        self._samples(family, out)

    def _kept(self, kept: Kept, families: list[Metric], text: bool) -> Block:
        """The block of a run of kept families, written the first time it is asked for in this format."""
        known = kept.blocks.get(text)
        if known is not None and known[0] == len(families):
            return known[1]
        out: list[str] = []
        for family in families:
            self._family(family, out, text)
        block = Block("".join(out).encode())
        kept.blocks[text] = len(families), block
        return block


def _encode(own: Encoder | None, library: Callable[[Frozen], bytes], families: list[Metric]) -> Body:
    if own is not None:
        try:
            return own(families)
        except UnsupportedError:
            pass
    return Body([library(Frozen(families))])


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
