import pytest

from webapi.settings import SettingsError, load_settings


def test_defaults_match_the_documentation(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.host, settings.port, settings.debug) == ("127.0.0.1", 8085, False)
    assert settings.scrape_interval == 15 and settings.retention_days == 7
    assert settings.cors_origins == [] and settings.api_token is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DISPYCLUSTER_SCRAPE_INTERVAL", "soon"),
        ("DISPYCLUSTER_SCRAPE_CONCURRENCY", "0"),
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
    monkeypatch.setenv("DISPYCLUSTER_SCRAPE_INTERVAL", "2")
    monkeypatch.setenv("DISPYCLUSTER_SCRAPE_TIMEOUT", "3")
    with pytest.raises(SettingsError, match="DISPYCLUSTER_SCRAPE_TIMEOUT"):
        load_settings()


def test_lists_are_comma_separated_and_urls_lose_their_trailing_slash(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPYCLUSTER_CORS_ORIGINS", "http://a.lan:3000, http://b.lan")
    monkeypatch.setenv("DISPYCLUSTER_GRAFANA_URL", "http://127.0.0.1:3000/")
    settings = load_settings()
    assert settings.cors_origins == ["http://a.lan:3000", "http://b.lan"]
    assert settings.grafana_url == "http://127.0.0.1:3000"
