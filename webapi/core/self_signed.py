"""`dispycluster up --tls`: a self-signed certificate for this machine, kept in the data dir.

Made once (EC P-256, valid a year, the machine's names and addresses as subject alternative names), then
reused on every start so the fingerprint operators compared stays the same; made again when it expires
within `RENEW_BEFORE`, or when its key no longer matches. The fingerprint is printed as
`openssl x509 -fingerprint -sha256` prints it.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # psutil ships no type hints
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from webapi.core.private_files import private_dir, write_private
from webapi.core.tls import TLSFileError, check_pair

VALID_FOR = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=30)
CERT_FILE, KEY_FILE = "dispycluster.crt", "dispycluster.key"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class SelfSigned:
    cert: Path
    key: Path
    fingerprint: str
    made: bool  # False: the one already in the data dir was reused


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, as `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints)."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def machine_names(extra: list[str] | tuple[str, ...] = ()) -> tuple[list[str], list[IPAddress]]:
    """DNS names and IP addresses this machine answers to: loopback, its host names, every interface
    address except IPv6 link-local ones (they need a zone, which no certificate can name)."""
    names = {"localhost", socket.gethostname(), socket.getfqdn()}
    addresses: set[IPAddress] = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            if entry.family in (socket.AF_INET, socket.AF_INET6):
                address = ipaddress.ip_address(entry.address.split("%", 1)[0])
                if not address.is_link_local:
                    addresses.add(address)
    for item in extra:
        try:
            address = ipaddress.ip_address(item.strip("[]"))
        except ValueError:
            names.add(item)
        else:
            if not address.is_unspecified:
                addresses.add(address)
    return sorted(name for name in names if name), sorted(addresses, key=lambda a: (a.version, int(a)))


def _build(
    names: list[str], addresses: list[IPAddress]
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DispyCluster"),
            x509.NameAttribute(NameOID.COMMON_NAME, socket.gethostname() or "localhost"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    alternatives: list[x509.GeneralName] = [x509.DNSName(name) for name in names]
    alternatives += [x509.IPAddress(address) for address in addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        # Its own trust anchor: clients (and dispy, which trusts its own certificate file) verify
        # against this very certificate.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, False, False, False), critical=True
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _reusable(cert_path: Path, key_path: Path) -> x509.Certificate | None:
    """The certificate already there, unless it is missing, broken, not matching its key, or expiring."""
    try:
        check_pair(cert_path, key_path)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (TLSFileError, OSError, ValueError):
        return None
    if cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) < RENEW_BEFORE:
        return None
    return cert


def ensure_self_signed(directory: Path, extra_names: list[str] | tuple[str, ...] = ()) -> SelfSigned:
    """The data dir's certificate and key (0600), made or renewed when needed."""
    private_dir(directory)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    cert = _reusable(cert_path, key_path)
    if cert is not None:
        return SelfSigned(cert_path, key_path, fingerprint(cert), made=False)
    cert, key = _build(*machine_names(extra_names))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # The key first: a certificate never sits next to a key it does not belong to.
    write_private(key_path, key_pem.decode("ascii"))
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    cert_path.chmod(0o644)
    return SelfSigned(cert_path, key_path, fingerprint(cert), made=True)
