"""How a dispynode for this service is started: by `dispycluster node` and by `dispycluster up`."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from webapi.launcher import Child, UpOptions

DEFAULT_NODE_PORT = 9701
DEFAULT_CLIENT_PORT = 9700


class NodeCommandError(ValueError):
    pass


def dispynode_script() -> Path:
    """dispynode.py as installed next to this interpreter (pip puts it in the venv's bin)."""
    return Path(sys.executable).with_name("dispynode.py")


def _on_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def dispynode_argv(
    *,
    host: str | None,
    port: int,
    secret: str,
    dest: Path,
    cpus: int | None = None,
    name: str | None = None,
) -> list[str]:
    """dispynode's flags: `-p` is the *client* port, the node listens one above it; `--daemon` because
    there is no terminal under systemd; `--clean` so nothing a client sent stays on disk."""
    if not secret and not _on_loopback(host):
        raise NodeCommandError(
            "a node reachable from the network needs a secret: pass --secret or set "
            "DISPYCLUSTER_DISPY_SECRET (the service must use the same one)"
        )
    argv = [sys.executable, str(dispynode_script()), "-p", str(port - 1), "--daemon", "--clean"]
    argv += ["--dest_path_prefix", str(dest)]
    if host:
        argv += ["-i", host]
    if secret:
        argv += ["-s", secret]
    if cpus is not None:
        argv += ["-c", str(cpus)]
    if name:
        argv += ["--name", name]
    return argv


def default_dest() -> Path:
    return Path(tempfile.gettempdir()) / "dispycluster-node"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def local_dispynode(options: UpOptions, _exporter_address: str) -> list[Child]:
    """`dispycluster up`'s embedded node on loopback. The web child inherits the environment set here
    (which node to use, and a free dispy client port if 9700 is taken)."""
    # Imported here: the launcher needs the server extra, and `dispycluster node` runs on a base install.
    from webapi.launcher import Child, free_loopback_port  # noqa: PLC0415

    port = DEFAULT_NODE_PORT if _port_free(DEFAULT_NODE_PORT) and _port_free(DEFAULT_NODE_PORT - 1) else 0
    port = port or free_loopback_port()
    if not _port_free(DEFAULT_CLIENT_PORT):
        os.environ["DISPYCLUSTER_DISPY_PORT"] = str(free_loopback_port())
    os.environ["DISPYCLUSTER_DISPY_NODES"] = f"127.0.0.1:{port}"
    argv = dispynode_argv(
        host="127.0.0.1",
        port=port,
        secret=os.environ.get("DISPYCLUSTER_DISPY_SECRET", ""),
        dest=options.data_dir / "dispynode",
        name="local",
    )
    return [Child("dispynode", argv)]
