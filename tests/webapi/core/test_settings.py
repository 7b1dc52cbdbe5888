import pytest

from tests.support.webservice import run_service
from webapi.core.settings import SettingsError, deprecation_warnings, load_settings


def test_defaults_match_the_documentation(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.host, settings.port, settings.debug) == ("127.0.0.1", 8085, False)
    assert settings.collect_interval == 15 and settings.retention_days == 7
    assert settings.cors_origins == [] and settings.api_token is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DISPYCLUSTER_COLLECT_INTERVAL", "soon"),
        ("DISPYCLUSTER_COLLECT_CONCURRENCY", "0"),
        ("DISPYCLUSTER_PROMETHEUS_URL", "ftp://x"),
        ("DISPYCLUSTER_API_TOKEN", "short"),
        ("PORT", "70000"),
        ("WEB_CONCURRENCY", "4"),
    ],
)
def test_an_invalid_value_stops_start_up_naming_the_setting(monkeypatch, tmp_path, variable, value):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value.code)


def test_a_timeout_longer_than_the_interval_is_refused(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPYCLUSTER_COLLECT_INTERVAL", "2")
    monkeypatch.setenv("DISPYCLUSTER_COLLECT_TIMEOUT", "3")
    with pytest.raises(SettingsError, match="DISPYCLUSTER_COLLECT_TIMEOUT"):
        load_settings()


def test_the_old_scrape_names_still_work_with_a_warning(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPYCLUSTER_SCRAPE_INTERVAL", "20")
    (tmp_path / ".env").write_text("DISPYCLUSTER_SCRAPE_CONCURRENCY=4\n")
    settings = load_settings()
    assert (settings.collect_interval, settings.collect_concurrency) == (20, 4)
    assert deprecation_warnings() == [
        "DISPYCLUSTER_SCRAPE_INTERVAL is deprecated and will be removed: "
        "set DISPYCLUSTER_COLLECT_INTERVAL instead",
        "DISPYCLUSTER_SCRAPE_CONCURRENCY is deprecated and will be removed: "
        "set DISPYCLUSTER_COLLECT_CONCURRENCY instead",
    ]


def test_the_new_name_wins_over_the_old_one_and_no_warning_without_old_names(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPYCLUSTER_COLLECT_INTERVAL", "30")
    assert deprecation_warnings() == []
    monkeypatch.setenv("DISPYCLUSTER_SCRAPE_INTERVAL", "20")
    assert load_settings().collect_interval == 30


def test_overrides_by_field_name_reach_fields_read_under_an_alias(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(collect_interval=9, port=9999)
    assert (settings.collect_interval, settings.port) == (9, 9999)


def test_lists_are_comma_separated_and_urls_lose_their_trailing_slash(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPYCLUSTER_CORS_ORIGINS", "http://a.lan:3000, http://b.lan")
    monkeypatch.setenv("DISPYCLUSTER_GRAFANA_URL", "http://127.0.0.1:3000/")
    settings = load_settings()
    assert settings.cors_origins == ["http://a.lan:3000", "http://b.lan"]
    assert settings.grafana_url == "http://127.0.0.1:3000"


def test_the_service_warns_about_old_names_at_start_up(tmp_path):
    with run_service(tmp_path, scrape_interval="20") as service, service.client() as client:
        assert client.get("/api/monitoring/health").json()["scrape_interval_seconds"] == 20
    assert "DISPYCLUSTER_SCRAPE_INTERVAL is deprecated" in service.log.read_text()


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DISPYCLUSTER_EXPORTER_CERT_FILE": "c.pem"}, "DISPYCLUSTER_EXPORTER_KEY_FILE go together"),
        ({"DISPYCLUSTER_EXPORTER_BASIC_AUTH_USER": "prometheus"}, "_PASSWORD_FILE go together"),
        (
            {"DISPYCLUSTER_EXPORTER_CA_FILE": "junk.pem"},
            "DISPYCLUSTER_EXPORTER_CA_FILE: junk.pem holds no PEM",
        ),
        (
            {"DISPYCLUSTER_DISPY_KEYFILE": "k.pem"},
            "DISPYCLUSTER_DISPY_KEYFILE needs DISPYCLUSTER_DISPY_CERTFILE",
        ),
        ({"DISPYCLUSTER_DISPY_CERTFILE": "junk.pem"}, "DISPYCLUSTER_DISPY_CERTFILE: junk.pem holds no PEM"),
        ({"DISPYCLUSTER_EXPORTER_SCHEME": "ftp"}, "DISPYCLUSTER_EXPORTER_SCHEME"),
    ],
)
def test_incomplete_or_unusable_tls_settings_are_refused(monkeypatch, tmp_path, variables, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "junk.pem").write_text("junk\n")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert message in str(raised.value.code)
