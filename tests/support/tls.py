"""TLS checks of a real listening port: the handshake completes and shows the expected certificate."""

from __future__ import annotations

import socket
from pathlib import Path

from cryptography import x509

from webapi.core.self_signed import fingerprint
from webapi.core.tls import client_context


def peer_fingerprint(host: str, port: int, ca_file: Path, *, check_hostname: bool = True) -> str:
    """Completes a TLS handshake with host:port trusting `ca_file` only; the SHA-256 fingerprint of the
    certificate the peer showed. dispy names no host: pass `check_hostname=False` for a dispy port."""
    context = client_context(ca_file)
    context.check_hostname = check_hostname
    with (
        socket.create_connection((host, port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return fingerprint(x509.load_der_x509_certificate(der))
