"""`--web.config.file`: TLS, basic auth and response headers in exporter-toolkit's file format.

Imported only when the flag is given, so that exporters without one do not load bcrypt and PyYAML.

The file (and the certificate, key and CA files it names) is checked again on every request and every TLS
handshake, so a renewed certificate or a changed password takes effect without a restart. While a changed
file is invalid the exporter answers 503 and logs why, rather than keep trusting credentials the operator
has just replaced; TLS handshakes keep the last good certificate meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import ssl
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import yaml

log = logging.getLogger(__name__)

# client_auth_type → what ssl enforces. Go's RequestClientCert and RequireAnyClientCert accept certificates
# nobody verified (exporter-toolkit calls them insecure); Python's ssl has no such mode, so they are refused.
CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
UNVERIFIED_CLIENT_AUTH = {"RequestClientCert", "RequireAnyClientCert", "RequireClientCert"}
TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
# Headers the file may set, with the values allowed (None: any), as exporter-toolkit allows them.
HEADERS: dict[str, tuple[str, ...] | None] = {
    "Strict-Transport-Security": None,
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": None,
    "Content-Security-Policy": None,
}
TLS_KEYS = {
    "cert",
    "key",
    "client_ca",
    "cert_file",
    "key_file",
    "client_auth_type",
    "client_ca_file",
    "client_allowed_sans",
    "min_version",
    "max_version",
    "prefer_server_cipher_suites",
}
UNSUPPORTED = {
    "cipher_suites": "cipher suites are OpenSSL's defaults for the TLS versions allowed",
    "curve_preferences": "curves are OpenSSL's defaults",
}
BCRYPT_HASH = re.compile(r"^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$")
# Compared against when the user is unknown, so that the answer takes as long as for a known one.
DUMMY_HASH = b"$2b$10$eRBuCnyUmTeSk1ToQCQRluicHHDP4PJrSKjhFbxEnZIbdx.mtdcAm"
MAX_CACHED_CHECKS = 256


class WebConfigError(ValueError):
    """What is wrong with the web config file, in words for the operator."""


@dataclass(frozen=True)
class TLSSettings:
    cert_file: str | None = None
    key_file: str | None = None
    cert: str | None = None
    key: str | None = None
    client_ca_file: str | None = None
    client_ca: str | None = None
    client_auth_type: str = "NoClientCert"
    client_allowed_sans: tuple[str, ...] = ()
    min_version: str = "TLS12"
    max_version: str = "TLS13"
    prefer_server_cipher_suites: bool = True

    def files(self) -> list[str]:
        return [f for f in (self.cert_file, self.key_file, self.client_ca_file) if f]


@dataclass(frozen=True)
class WebConfig:
    tls: TLSSettings | None = None
    headers: dict[str, str] = field(default_factory=dict)
    users: dict[str, bytes] = field(default_factory=dict)  # user name → bcrypt hash


def _mapping(value: object, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise WebConfigError(f"{where} must be a mapping")
    return value


def _string(section: dict[str, Any], key: str, where: str) -> str | None:
    value = section.get(key)
    if value is not None and not isinstance(value, str):
        raise WebConfigError(f"{where}.{key} must be a string")
    return value or None


def _path(section: dict[str, Any], key: str, directory: Path) -> str | None:
    """A file name; relative ones are relative to the web config file's directory, as upstream."""
    value = _string(section, key, "tls_server_config")
    return str(directory / value) if value else None


def _tls(section: dict[str, Any], directory: Path) -> TLSSettings | None:
    for key in section:
        if key in UNSUPPORTED:
            raise WebConfigError(f"tls_server_config.{key} is not supported: {UNSUPPORTED[key]}")
        if key not in TLS_KEYS:
            raise WebConfigError(f"tls_server_config.{key} is not a known setting")
    if not section:
        return None
    auth = _string(section, "client_auth_type", "tls_server_config") or "NoClientCert"
    if auth in UNVERIFIED_CLIENT_AUTH:
        raise WebConfigError(
            f"client_auth_type {auth} would accept client certificates nobody verified; use"
            " RequireAndVerifyClientCert (or VerifyClientCertIfGiven) with client_ca_file"
        )
    if auth not in CLIENT_AUTH:
        raise WebConfigError(f"client_auth_type {auth!r} is not one of {', '.join(CLIENT_AUTH)}")
    versions = []
    for key, default in (("min_version", "TLS12"), ("max_version", "TLS13")):
        version = _string(section, key, "tls_server_config") or default
        if version not in TLS_VERSIONS:
            raise WebConfigError(
                f"tls_server_config.{key} {version!r} is not one of {', '.join(TLS_VERSIONS)}"
            )
        versions.append(version)
    sans = section.get("client_allowed_sans") or []
    if not isinstance(sans, list) or not all(isinstance(san, str) for san in sans):
        raise WebConfigError("tls_server_config.client_allowed_sans must be a list of strings")
    prefer = section.get("prefer_server_cipher_suites", True)
    if not isinstance(prefer, bool):
        raise WebConfigError("tls_server_config.prefer_server_cipher_suites must be true or false")
    settings = TLSSettings(
        cert_file=_path(section, "cert_file", directory),
        key_file=_path(section, "key_file", directory),
        cert=_string(section, "cert", "tls_server_config"),
        key=_string(section, "key", "tls_server_config"),
        client_ca_file=_path(section, "client_ca_file", directory),
        client_ca=_string(section, "client_ca", "tls_server_config"),
        client_auth_type=auth,
        client_allowed_sans=tuple(sans),
        min_version=versions[0],
        max_version=versions[1],
        prefer_server_cipher_suites=prefer,
    )
    if not (settings.cert_file or settings.cert):
        raise WebConfigError("tls_server_config needs cert_file (or an inline cert)")
    if not (settings.key_file or settings.key):
        raise WebConfigError("tls_server_config needs key_file (or an inline key)")
    has_ca = bool(settings.client_ca_file or settings.client_ca)
    if has_ca and auth == "NoClientCert":
        raise WebConfigError("a client CA is configured but client_auth_type is NoClientCert")
    if not has_ca and auth != "NoClientCert":
        raise WebConfigError(f"client_auth_type {auth} needs client_ca_file to verify client certificates")
    if sans and auth == "NoClientCert":
        raise WebConfigError("client_allowed_sans needs a client_auth_type that verifies client certificates")
    return settings


def _headers(section: dict[str, Any]) -> dict[str, str]:
    headers = _mapping(section.get("headers"), "http_server_config.headers")
    for name, value in headers.items():
        if name not in HEADERS:
            raise WebConfigError(f"HTTP header {name!r} cannot be configured; allowed: {', '.join(HEADERS)}")
        allowed = HEADERS[name]
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            expected = " or ".join(allowed) if allowed else "a string"
            raise WebConfigError(f"HTTP header {name}: expected {expected}, got {value!r}")
    return dict(headers)


def _users(section: dict[str, Any]) -> dict[str, bytes]:
    users = {}
    for user, hashed in section.items():
        if not isinstance(hashed, str) or not BCRYPT_HASH.match(hashed):
            raise WebConfigError(
                f"basic_auth_users.{user}: not a bcrypt hash"
                " (make one with `htpasswd -nBC 10 '' | tr -d ':\\n'`)"
            )
        users[user] = hashed.encode()
    return users


def parse(text: str, directory: Path) -> WebConfig:
    """The web config in `text`; WebConfigError naming the first problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise WebConfigError(f"not valid YAML: {error}") from None
    document = _mapping(document, "the file")
    for key in document:
        if key == "rate_limit":
            raise WebConfigError(
                "rate_limit is not supported; put a reverse proxy in front to limit requests"
            )
        if key not in ("tls_server_config", "http_server_config", "basic_auth_users"):
            raise WebConfigError(f"{key} is not a known setting")
    http = _mapping(document.get("http_server_config"), "http_server_config")
    for key in http:
        if key not in ("headers", "http2"):
            raise WebConfigError(f"http_server_config.{key} is not a known setting")
    # http2 is accepted for compatibility: this exporter speaks HTTP/1.1, which every Prometheus does.
    if not isinstance(http.get("http2", True), bool):
        raise WebConfigError("http_server_config.http2 must be true or false")
    return WebConfig(
        tls=_tls(_mapping(document.get("tls_server_config"), "tls_server_config"), directory),
        headers=_headers(http),
        users=_users(_mapping(document.get("basic_auth_users"), "basic_auth_users")),
    )


def load(path: Path) -> WebConfig:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise WebConfigError(f"cannot be read: {error}") from None
    return parse(text, path.parent)


def _load_chain(context: ssl.SSLContext, settings: TLSSettings) -> None:
    if settings.cert_file and settings.key_file:
        context.load_cert_chain(settings.cert_file, settings.key_file)
        return
    # ssl loads certificates from files only: inline ones go through a private temporary directory.
    with tempfile.TemporaryDirectory(prefix="dispycluster-exporter-") as private:
        cert = settings.cert_file or _write(Path(private, "cert.pem"), settings.cert or "")
        key = settings.key_file or _write(Path(private, "key.pem"), settings.key or "")
        context.load_cert_chain(cert, key)


def _write(path: Path, text: str) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return str(path)


def tls_context(settings: TLSSettings) -> ssl.SSLContext:
    """The server context for `settings`; WebConfigError naming the file that is wrong."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = TLS_VERSIONS[settings.min_version]
    context.maximum_version = TLS_VERSIONS[settings.max_version]
    if settings.prefer_server_cipher_suites:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    try:
        _load_chain(context, settings)
    except (OSError, ssl.SSLError) as error:
        names = " and ".join(f for f in (settings.cert_file, settings.key_file) if f) or "inline cert and key"
        raise WebConfigError(f"cannot load the certificate and key from {names}: {error}") from None
    context.verify_mode = CLIENT_AUTH[settings.client_auth_type]
    if context.verify_mode != ssl.CERT_NONE:
        try:
            context.load_verify_locations(cafile=settings.client_ca_file, cadata=settings.client_ca)
        except (OSError, ssl.SSLError) as error:
            where = settings.client_ca_file or "the inline client_ca"
            raise WebConfigError(f"cannot load the client CA from {where}: {error}") from None
    return context


class Credentials:
    """Checks `Authorization: Basic` against bcrypt hashes, remembering recent answers (bcrypt is slow)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the remembered answers
        # One bcrypt at a time, as exporter-toolkit does: a flood of wrong passwords takes one CPU, not all;
        # remembered answers (Prometheus' every scrape) do not wait behind it.
        self._bcrypt = threading.Lock()
        self._answers: OrderedDict[bytes, bool] = OrderedDict()

    def allowed(self, header: str | None, users: dict[str, bytes]) -> bool:
        if not header or header[:6].lower() != "basic ":
            return False
        try:
            user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        hashed = users.get(user)
        # The remembered answer is keyed by a digest: no password is kept in memory in clear.
        key = hashlib.sha256(b"\0".join((user.encode(), hashed or b"", password.encode()))).digest()
        with self._lock:
            answer = self._answers.get(key)
        if answer is None:
            with self._bcrypt:
                answer = self._check(password.encode(), hashed) and bool(sep)
            with self._lock:
                self._answers[key] = answer
                if len(self._answers) > MAX_CACHED_CHECKS:
                    self._answers.popitem(last=False)
        return answer

    @staticmethod
    def _check(password: bytes, hashed: bytes | None) -> bool:
        try:
            ok = bcrypt.checkpw(password, hashed or DUMMY_HASH)
        except ValueError:  # bcrypt refuses passwords over 72 bytes
            return False
        return ok and hashed is not None


Stamp = tuple[tuple[int, int, int, int] | None, ...]


def _stamp(paths: list[str]) -> Stamp:
    stamps: list[tuple[int, int, int, int] | None] = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            stamps.append(None)
        else:
            stamps.append((stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return tuple(stamps)


class WebConfigFile:
    """The web config file as it is now: re-read when it, or a file it names, changes."""

    def __init__(self, path: Path, on_error: Callable[[str], None] = log.error) -> None:
        self.path = path
        self.config = load(path)
        self.context = tls_context(self.config.tls) if self.config.tls else None
        self.error: str | None = None
        self.credentials = Credentials()
        self._on_error = on_error
        self._lock = threading.Lock()
        self._stamp = self._current_stamp()

    @property
    def tls(self) -> bool:
        return self.context is not None

    def accepts_peer(self, peer: dict[str, Any] | None) -> bool:
        """Whether a verified client certificate has one of client_allowed_sans (when any are set)."""
        allowed = self.config.tls.client_allowed_sans if self.config.tls else ()
        # DNS names, IP addresses, e-mail addresses and URIs, as exporter-toolkit compares them.
        names = {value for _, value in (peer or {}).get("subjectAltName", ())}
        return not allowed or bool(names & set(allowed))

    def _current_stamp(self) -> Stamp:
        return _stamp([str(self.path), *(self.config.tls.files() if self.config.tls else [])])

    def refresh(self) -> None:
        """Reload if anything changed; a broken change is logged once and leaves `error` set."""
        with self._lock:
            stamp = self._current_stamp()
            if stamp == self._stamp:
                return
            self._stamp = stamp
            try:
                config = load(self.path)
                if (config.tls is None) != (self.context is None):
                    raise WebConfigError("TLS cannot be switched on or off without restarting the exporter")
                context = tls_context(config.tls) if config.tls else None
            except WebConfigError as error:
                self.error = f"web config file {self.path}: {error}"
                self._on_error(f"{self.error}; answering 503 until it is fixed")
                return
            self.config, self.context, self.error = config, context, None
            # The new file may name other files: watch those from now on.
            self._stamp = self._current_stamp()
            log.info("web config file %s reloaded", self.path)
