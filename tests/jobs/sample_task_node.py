"""Node side of the test-only `sample` task type (standard library only, like any node module)."""

from collections.abc import Callable


def run(params: dict, context: dict, progress: Callable[..., None]) -> dict:
    progress(50, "halfway")
    return {"reversed": params["text"][::-1]}
