"""What dispy 4.15.2 needs on Python 3.11+: `inspect.getargspec` (removed) for its status callbacks,
and a way to see its log lines (a "secret" mismatch is only ever logged)."""

from __future__ import annotations

import collections
import inspect
import logging
import re
from collections.abc import Callable
from typing import Any

_ArgSpec = collections.namedtuple("_ArgSpec", "args varargs keywords defaults")


def _getargspec(func: Callable[..., Any]) -> _ArgSpec:
    spec = inspect.getfullargspec(func)
    return _ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)


def install_getargspec() -> None:
    if not hasattr(inspect, "getargspec"):
        inspect.getargspec = _getargspec  # type: ignore[attr-defined]


_SECRET_MISMATCH = re.compile(r'Ignoring node (\S+) \("secret" mismatch\)')
_VERSION_MISMATCH = re.compile(r"Ignoring node (\S+) due to version mismatch: (.*)")


class LogTap:
    """Replaces the stream of dispy's logger: lines go to `logging`, node refusals to `on_refused`."""

    def __init__(self, on_refused: Callable[[str, str], None]) -> None:
        self._on_refused = on_refused
        self._log = logging.getLogger("dispy")

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if not line.strip():
                continue
            self._log.info("%s", line)
            if match := _SECRET_MISMATCH.search(line):
                self._on_refused(
                    match.group(1),
                    "secret mismatch: the node and the service use different "
                    "dispy secrets (DISPYCLUSTER_DISPY_SECRET / dispynode -s)",
                )
            elif match := _VERSION_MISMATCH.search(line):
                self._on_refused(match.group(1), f"dispy version mismatch: {match.group(2)}")
        return len(text)

    def flush(self) -> None:
        return None
