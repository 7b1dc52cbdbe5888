"""The self-signed certificate of `dispycluster up --tls`: made once, reused, renewed before it expires."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import stat
import subprocess

from cryptography import x509

from webapi.core import self_signed
from webapi.core.self_signed import ensure_self_signed


def test_made_once_then_reused_with_the_machine_names(tmp_path):
    first = ensure_self_signed(tmp_path / "tls", extra_names=["dispy.example.lan", "0.0.0.0"])
    second = ensure_self_signed(tmp_path / "tls")
    assert first.made and not second.made and first.fingerprint == second.fingerprint
    assert stat.S_IMODE(first.key.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(first.cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = set(names.get_values_for_type(x509.DNSName))
    addresses = set(names.get_values_for_type(x509.IPAddress))
    assert {"localhost", socket.gethostname(), "dispy.example.lan"} <= dns
    assert {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")} <= addresses
    assert ipaddress.ip_address("0.0.0.0") not in addresses


def test_the_fingerprint_is_what_openssl_prints(tmp_path):
    made = ensure_self_signed(tmp_path / "tls")
    openssl = subprocess.run(
        ["openssl", "x509", "-fingerprint", "-sha256", "-noout", "-in", str(made.cert)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert openssl.strip().split("=", 1)[1] == made.fingerprint


def test_renewed_when_it_expires_soon(tmp_path, monkeypatch):
    monkeypatch.setattr(self_signed, "VALID_FOR", datetime.timedelta(days=2))
    first = ensure_self_signed(tmp_path / "tls")
    second = ensure_self_signed(tmp_path / "tls")
    assert second.made and second.fingerprint != first.fingerprint


def test_remade_when_the_key_does_not_match(tmp_path):
    first = ensure_self_signed(tmp_path / "tls")
    other = ensure_self_signed(tmp_path / "other")
    first.key.write_bytes(other.key.read_bytes())
    again = ensure_self_signed(tmp_path / "tls")
    assert again.made and again.fingerprint not in (first.fingerprint, other.fingerprint)
