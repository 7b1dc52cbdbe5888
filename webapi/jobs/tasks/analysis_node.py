"""Node side of `analysis`: the partial statistics of one chunk of records (merged by the service).

Standard library only: this module's source is shipped to the node by dispy and executed there.
"""

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

STOP_WORDS = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "are",
        "was",
        "were",
        "you",
        "your",
        "our",
        "not",
        "but",
        "all",
        "any",
        "can",
        "has",
        "have",
        "will",
        "les",
        "des",
        "une",
        "pour",
        "dans",
        "sur",
        "par",
        "est",
        "qui",
        "que",
    }
)
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def run(params: dict[str, Any], context: dict[str, Any], progress: Callable[..., None]) -> dict[str, Any]:
    records = params["records"]
    statuses: Counter[str] = Counter()
    types: Counter[str] = Counter()
    terms: Counter[str] = Counter()
    sizes: list[float] = []
    latencies: list[float] = []
    for record in records:
        if record.get("status") is not None:
            statuses[str(record["status"])] += 1
        if record.get("content_type"):
            types[record["content_type"]] += 1
        if record.get("bytes") is not None:
            sizes.append(float(record["bytes"]))
        if record.get("elapsed_ms") is not None:
            latencies.append(float(record["elapsed_ms"]))
        for word in WORD.findall((record.get("title") or "").lower()):
            if word not in STOP_WORDS:
                terms[word] += 1
    return {
        "count": len(records),
        "status": dict(statuses),
        "content_types": dict(types),
        "bytes": sorted(sizes),
        "elapsed_ms": sorted(latencies),
        "terms": dict(terms),
    }
