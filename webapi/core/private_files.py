"""Files that hold secrets or job data: 0600, in directories only the service's user may enter (0700)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_dir(path: Path, *, ours: bool = False) -> Path:
    """Create `path` (and missing parents) 0700. An existing directory is left as it is unless `ours`
    (the data dir): then it is made 0700 when this user owns it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if ours and path.stat().st_uid == os.getuid():
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing; either way it ends up 0600."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` (0600) all or nothing: a full disk leaves no partial (or blank) file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
