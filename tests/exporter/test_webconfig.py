"""The web config file: what it accepts, the message for what it refuses, basic auth, reloading."""

import base64
import ssl

import bcrypt
import pytest
import yaml

from exporter.webconfig import Credentials, WebConfigError, WebConfigFile, load, parse
from tests.exporter.certs import Authority

HASH = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(4)).decode()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    ca = Authority(directory)
    server = ca.issue("exporter", server=True)
    return ca, server


def test_an_empty_file_means_plain_http_without_auth(tmp_path):
    assert parse("", tmp_path).tls is None
    assert parse("{}", tmp_path).users == {}


def test_a_complete_file(tmp_path):
    config = parse(
        yaml.safe_dump(
            {
                "tls_server_config": {
                    "cert_file": "server.pem",
                    "key_file": "/etc/keys/server.key",
                    "client_auth_type": "RequireAndVerifyClientCert",
                    "client_ca_file": "ca.pem",
                    "min_version": "TLS13",
                    "client_allowed_sans": ["prometheus"],
                },
                "http_server_config": {"http2": False, "headers": {"X-Frame-Options": "deny"}},
                "basic_auth_users": {"prometheus": HASH},
            }
        ),
        tmp_path,
    )
    assert config.tls.cert_file == str(tmp_path / "server.pem")  # relative to the file, as upstream
    assert config.tls.key_file == "/etc/keys/server.key"
    assert config.tls.client_ca_file == str(tmp_path / "ca.pem")
    assert config.tls.min_version == "TLS13"
    assert config.headers == {"X-Frame-Options": "deny"}
    assert config.users == {"prometheus": HASH.encode()}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("tls_server_config: [", "not valid YAML"),
        ("- a list", "the file must be a mapping"),
        ("tls_config: {}", "tls_config is not a known setting"),
        ("tls_server_config: {cert_file: a.pem}", "needs key_file"),
        ("tls_server_config: {key_file: a.key}", "needs cert_file"),
        ("tls_server_config: {cert_file: a, key_file: b, certfile: c}", "certfile is not a known setting"),
        (
            "tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAnyClientCert}",
            "would accept client certificates nobody verified",
        ),
        (
            "tls_server_config: {cert_file: a, key_file: b, client_auth_type: Always}",
            "'Always' is not one of",
        ),
        (
            "tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerifyClientCert}",
            "needs client_ca_file",
        ),
        (
            "tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}",
            "client_auth_type is NoClientCert",
        ),
        ("tls_server_config: {cert_file: a, key_file: b, min_version: TLS14}", "min_version 'TLS14'"),
        (
            "tls_server_config: {cert_file: a, key_file: b, cipher_suites: [X]}",
            "cipher_suites is not supported",
        ),
        ("basic_auth_users: {prometheus: plain-password}", "basic_auth_users.prometheus: not a bcrypt hash"),
        ("http_server_config: {headers: {Server: x}}", "HTTP header 'Server' cannot be configured"),
        ("http_server_config: {headers: {X-Frame-Options: allow}}", "expected deny or sameorigin"),
        ("http_server_config: {http2: maybe}", "http2 must be true or false"),
        ("rate_limit: {interval: 1s, burst: 5}", "rate_limit is not supported"),
    ],
)
def test_a_bad_file_is_refused_with_a_message_naming_the_problem(tmp_path, document, message):
    with pytest.raises(WebConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse(document, tmp_path)


def test_unreadable_file(tmp_path):
    with pytest.raises(WebConfigError, match="cannot be read"):
        load(tmp_path / "absent.yml")


def test_certificate_problems_name_the_file(tmp_path, pki):
    ca, (cert, _) = pki
    path = tmp_path / "web.yml"
    path.write_text(
        yaml.safe_dump({"tls_server_config": {"cert_file": str(cert), "key_file": str(ca.cert_file)}})
    )
    with pytest.raises(WebConfigError, match=f"cannot load the certificate and key from {cert} and"):
        WebConfigFile(path)
    path.write_text(
        yaml.safe_dump({"tls_server_config": {"cert_file": str(cert), "key_file": "missing.key"}})
    )
    with pytest.raises(WebConfigError, match=r"missing\.key"):
        WebConfigFile(path)


def test_inline_certificate_and_key(tmp_path, pki):
    _, (cert, key) = pki
    path = tmp_path / "web.yml"
    path.write_text(yaml.safe_dump({"tls_server_config": {"cert": cert.read_text(), "key": key.read_text()}}))
    web = WebConfigFile(path)
    assert isinstance(web.context, ssl.SSLContext)
    assert web.context.verify_mode == ssl.CERT_NONE


def test_client_certificates_are_required_and_verified(tmp_path, pki):
    ca, (cert, key) = pki
    path = tmp_path / "web.yml"
    settings = {
        "cert_file": str(cert),
        "key_file": str(key),
        "client_auth_type": "RequireAndVerifyClientCert",
        "client_ca_file": str(ca.cert_file),
        "client_allowed_sans": ["prometheus"],
    }
    path.write_text(yaml.safe_dump({"tls_server_config": settings}))
    web = WebConfigFile(path)
    assert web.context.verify_mode == ssl.CERT_REQUIRED
    assert web.context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert web.accepts_peer({"subjectAltName": (("DNS", "prometheus"),)})
    assert not web.accepts_peer({"subjectAltName": (("DNS", "grafana"),)})
    assert not web.accepts_peer(None)


def test_basic_auth():
    users = {"prometheus": HASH.encode()}
    credentials = Credentials()
    assert credentials.allowed(basic("prometheus", "s3cret"), users)
    assert credentials.allowed(basic("prometheus", "s3cret"), users)  # remembered
    assert not credentials.allowed(basic("prometheus", "wrong"), users)
    assert not credentials.allowed(basic("grafana", "s3cret"), users)
    assert not credentials.allowed(basic("prometheus", "x" * 100), users)
    assert not credentials.allowed(None, users)
    assert not credentials.allowed("Bearer abc", users)
    assert not credentials.allowed("Basic !!!", users)
    assert not credentials.allowed("Basic " + base64.b64encode(b"no-colon").decode(), users)


def test_a_change_is_picked_up_and_a_broken_change_fails_closed(tmp_path):
    path = tmp_path / "web.yml"
    path.write_text(yaml.safe_dump({"basic_auth_users": {"prometheus": HASH}}))
    errors = []
    web = WebConfigFile(path, on_error=errors.append)
    other = bcrypt.hashpw(b"rotated", bcrypt.gensalt(4)).decode()
    path.write_text(yaml.safe_dump({"basic_auth_users": {"prometheus": other, "admin": other}}))
    web.refresh()
    assert set(web.config.users) == {"prometheus", "admin"}
    assert web.error is None
    path.write_text("basic_auth_users: {prometheus: oops}")
    web.refresh()
    web.refresh()
    assert web.error is not None and "not a bcrypt hash" in web.error
    assert len(errors) == 1  # logged once per change, not per request
    path.write_text(yaml.safe_dump({"basic_auth_users": {"prometheus": HASH}}))
    web.refresh()
    assert web.error is None
    assert set(web.config.users) == {"prometheus"}


def test_tls_cannot_be_switched_on_at_run_time(tmp_path, pki):
    _, (cert, key) = pki
    path = tmp_path / "web.yml"
    path.write_text("{}")
    web = WebConfigFile(path, on_error=lambda message: None)
    path.write_text(yaml.safe_dump({"tls_server_config": {"cert_file": str(cert), "key_file": str(key)}}))
    web.refresh()
    assert "without restarting" in web.error
