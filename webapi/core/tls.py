"""TLS files as the operator gives them: checked at start-up (a message naming the bad file, never a
traceback mid-way), and the SSL contexts built from them. Standard library only: `dispycluster node` runs on
a compute node's base install.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

# dispy 4.15.2 encrypts through pycos, which calls `ssl.wrap_socket` (removed in Python 3.12): there, a
# client or node given a certificate fails silently (jobs never leave `Created`).
DISPY_TLS_SUPPORTED = hasattr(ssl, "wrap_socket")
DISPY_TLS_UNSUPPORTED = (
    "dispy's TLS needs Python 3.11 or older (dispy 4.15.2 encrypts through pycos, which calls "
    "ssl.wrap_socket, removed in Python 3.12)"
)


class TLSFileError(ValueError):
    """A certificate or key file that cannot serve: the message names the file and the problem."""


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError as error:
        raise TLSFileError(f"cannot read the {what} {path}: {error.strerror or error}") from None


def _refuse_passphrase() -> bytes:
    # Without this, OpenSSL would ask for the passphrase on the terminal (or hang under systemd).
    raise TLSFileError("the key is encrypted: give an unencrypted key (0600, readable by the service only)")


def _check_pem(cert: Path, key: Path | None) -> None:
    if "-----BEGIN CERTIFICATE-----" not in _read(cert, "certificate"):
        raise TLSFileError(f"{cert} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    key_text = _read(key or cert, "key")
    if "ENCRYPTED" in key_text:
        raise TLSFileError(f"the key {key or cert} is encrypted: give an unencrypted key")
    if "PRIVATE KEY-----" not in key_text:
        raise TLSFileError(f"{key or cert} holds no PEM private key (-----BEGIN ... PRIVATE KEY-----)")


def load_pair(context: ssl.SSLContext, cert: Path, key: Path | None) -> None:
    """Loads the certificate (chain) and its key into `context`; `key` None: the key is in `cert`."""
    _check_pem(cert, key)
    password: Callable[[], bytes] = _refuse_passphrase
    try:
        context.load_cert_chain(cert, key, password=password)
    except ssl.SSLError as error:
        if "KEY_VALUES_MISMATCH" in str(error) or error.reason == "KEY_VALUES_MISMATCH":
            raise TLSFileError(f"the key {key or cert} does not belong to the certificate {cert}") from None
        raise TLSFileError(
            f"cannot load {cert} with the key {key or cert}: {error.reason or error}"
        ) from None


def check_pair(cert: Path, key: Path | None) -> None:
    """Raises TLSFileError unless `cert` and `key` would serve TLS."""
    load_pair(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), cert, key)


def client_context(
    ca_file: Path | None = None, cert: Path | None = None, key: Path | None = None
) -> ssl.SSLContext:
    """A verifying client context: trusts `ca_file` only when given (as Prometheus' `ca_file` does), else
    the system's CAs; presents a client certificate when `cert` is given."""
    if ca_file is not None and "-----BEGIN CERTIFICATE-----" not in _read(ca_file, "CA file"):
        raise TLSFileError(f"{ca_file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except ssl.SSLError as error:
        raise TLSFileError(f"cannot load the CA file {ca_file}: {error.reason or error}") from None
    if cert is not None:
        load_pair(context, cert, key)
    return context
