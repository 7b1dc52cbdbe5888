"""How a dispynode for this service is started: by `dispycluster node` and by `dispycluster up`.

The secret never goes on dispynode's command line (where `ps` shows it to every user): dispynode reads
it from a configuration file, 0600 in the node's 0700 directory, written from dispynode's own
`--save_config` output. The node drops the computation of a client that stopped pulsing after
`ZOMBIE_MINUTES` (dispynode's default is an hour), so a service restarted after `kill -9` gets its
nodes back within minutes.
"""

from __future__ import annotations

import configparser
import io
import ipaddress
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from webapi.core.dispy_ports import DEFAULT_CLIENT_PORT, DEFAULT_NODE_PORT
from webapi.core.private_files import private_dir, write_private
from webapi.core.tls import DISPY_TLS_SUPPORTED, DISPY_TLS_UNSUPPORTED, TLSFileError, check_pair

if TYPE_CHECKING:
    from webapi.launcher import Child, UpOptions

ZOMBIE_MINUTES = 1.0
CONFIG_FILE = "dispynode.conf"


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
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> list[str]:
    """dispynode's flags: `-p` is the *client* port, the node listens one above it; `--daemon` because
    there is no terminal under systemd; `--clean` so nothing a client sent stays on disk. With `certfile`
    (and `keyfile`, unless the key is in it) dispy's traffic is TLS."""
    if not secret and not _on_loopback(host):
        raise NodeCommandError(
            "a node reachable from the network needs a secret: pass --secret or set "
            "DISPYCLUSTER_DISPY_SECRET (the service must use the same one)"
        )
    if secret != secret.strip() or "\n" in secret or "\r" in secret:
        raise NodeCommandError("the secret must be one line without leading or trailing spaces")
    argv = [sys.executable, str(dispynode_script()), "-p", str(port - 1), "--daemon", "--clean"]
    argv += _tls_flags(certfile, keyfile)
    argv += ["--dest_path_prefix", str(dest), "--zombie_interval", str(ZOMBIE_MINUTES)]
    if host:
        argv += ["-i", host]
    if cpus is not None:
        argv += ["-c", str(cpus)]
    if name:
        argv += ["--name", name]
    if not secret:
        return argv
    return [*argv[:2], "--config", str(_config_with_secret(argv, secret, dest))]


def _tls_flags(certfile: Path | None, keyfile: Path | None) -> list[str]:
    if certfile is None:
        if keyfile is not None:
            raise NodeCommandError("--keyfile needs --certfile")
        return []
    if not DISPY_TLS_SUPPORTED:
        raise NodeCommandError(DISPY_TLS_UNSUPPORTED)
    try:
        check_pair(certfile, keyfile)
    except TLSFileError as error:
        raise NodeCommandError(str(error)) from None
    flags = ["--certfile", str(certfile.resolve())]
    return [*flags, "--keyfile", str(keyfile.resolve())] if keyfile is not None else flags


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "")
    return Path(value) if value else None


def _config_with_secret(argv: list[str], secret: str, dest: Path) -> Path:
    """dispynode's configuration for `argv`, with the secret added: the file dispynode `--config` reads."""
    private_dir(dest)
    path = dest / CONFIG_FILE
    subprocess.run([*argv, "--save_config", str(path)], check=True, capture_output=True, timeout=60)
    config = configparser.ConfigParser(interpolation=None)
    config.read(path)
    # dispynode's configparser interpolates `%` on reading: doubled, it comes back as one.
    config["DEFAULT"]["secret"] = secret.replace("%", "%%")
    text = io.StringIO()
    config.write(text)
    write_private(path, text.getvalue())
    return path


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
    (which node to use, and a free dispy client port if the default one is taken)."""
    # Imported here: the launcher needs the server extra, and `dispycluster node` runs on a base install.
    from webapi.launcher import Child, free_loopback_port  # noqa: PLC0415

    port = DEFAULT_NODE_PORT if _port_free(DEFAULT_NODE_PORT) and _port_free(DEFAULT_CLIENT_PORT) else 0
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
        # The service's own dispy certificate (`up --tls` sets it): the node serves with the same one.
        certfile=_env_path("DISPYCLUSTER_DISPY_CERTFILE"),
        keyfile=_env_path("DISPYCLUSTER_DISPY_KEYFILE"),
    )
    return [Child("dispynode", argv)]
