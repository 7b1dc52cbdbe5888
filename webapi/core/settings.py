"""Service settings, read from the environment (and `.env`) with pydantic-settings.

`HOST`, `PORT` and `DEBUG` keep their plain names (as the original documented them); everything else
is prefixed with `DISPYCLUSTER_`. An invalid value stops start-up with a message naming the setting.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from webapi.core.dispy_ports import DEFAULT_CLIENT_PORT, DEFAULT_NODE_PORT, DEFAULT_SCHEDULER_PORT
from webapi.core.tls import (
    DISPY_TLS_SUPPORTED,
    DISPY_TLS_UNSUPPORTED,
    TLSFileError,
    check_pair,
    client_context,
)

ENV_PREFIX = "DISPYCLUSTER_"
ENV_FILE = ".env"
MIN_TOKEN_LENGTH = 16
PLAIN_NAMES = {"host": "HOST", "port": "PORT", "debug": "DEBUG", "web_concurrency": "WEB_CONCURRENCY"}
# Old names that still work (start-up warns): `SCRAPE_*` read as the scraping job type's settings too.
RENAMED = {
    f"{ENV_PREFIX}SCRAPE_INTERVAL": f"{ENV_PREFIX}COLLECT_INTERVAL",
    f"{ENV_PREFIX}SCRAPE_TIMEOUT": f"{ENV_PREFIX}COLLECT_TIMEOUT",
    f"{ENV_PREFIX}SCRAPE_CONCURRENCY": f"{ENV_PREFIX}COLLECT_CONCURRENCY",
}


def _renamed(name: str) -> AliasChoices:
    """A renamed setting's aliases: read as DISPYCLUSTER_<name> or under its old name."""
    new = f"{ENV_PREFIX}{name}"
    old = [previous for previous, current in RENAMED.items() if current == new]
    return AliasChoices(new, *old)


class SettingsError(SystemExit):
    """Start-up stops here: the message names every invalid setting by its environment variable."""


def _http_url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


class Settings(BaseSettings):
    # populate_by_name: overrides by field name (tests, CLI) also for fields read under an alias.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=ENV_FILE, extra="ignore", populate_by_name=True
    )

    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "DISPYCLUSTER_HOST"))
    port: int = Field(8085, ge=1, le=65535, validation_alias=AliasChoices("PORT", "DISPYCLUSTER_PORT"))
    debug: bool = Field(False, validation_alias=AliasChoices("DEBUG", "DISPYCLUSTER_DEBUG"))
    access_log: bool = Field(True, description="Log every HTTP request (uvicorn's access log) to stderr.")

    web_concurrency: int = Field(
        1,
        validation_alias=AliasChoices("WEB_CONCURRENCY"),
        description="Uvicorn workers: must be 1 (the collector and the job dispatcher live in one process).",
    )

    data_dir: Path = Field(Path("data"), description="Where the SQLite database and generated secrets live.")
    database_url: str | None = Field(
        None, description="Any SQLAlchemy URL; default is SQLite in the data dir."
    )
    inventory: Path | None = Field(
        None, description="Inventory YAML file (`master:`/`workers:` or `nodes:`); none means API-only."
    )
    local_exporter: str | None = Field(
        None,
        description="host:port of a local exporter to register as node `local` (set by `dispycluster up`).",
    )
    collect_interval: float = Field(
        15.0,
        ge=0.2,
        le=3600,
        validation_alias=_renamed("COLLECT_INTERVAL"),
        description="Seconds between collection rounds.",
    )
    collect_timeout: float = Field(
        5.0,
        gt=0,
        le=300,
        validation_alias=_renamed("COLLECT_TIMEOUT"),
        description="Seconds one exporter scrape may take.",
    )
    collect_concurrency: int = Field(
        32,
        ge=1,
        le=1024,
        validation_alias=_renamed("COLLECT_CONCURRENCY"),
        description="Exporter scrapes in flight at once.",
    )
    retention_days: float = Field(7.0, gt=0, le=3650, description="Days of metric history kept.")
    raw_retention_hours: float = Field(
        24.0, gt=0, description="Hours of raw history kept before it is averaged into buckets."
    )
    downsample_seconds: int = Field(300, ge=10, le=86400, description="Bucket width of downsampled history.")
    evaluate_alerts: bool = Field(
        True, description="Evaluate the built-in alert thresholds on collected data."
    )
    prometheus_url: str | None = Field(
        None, description="Prometheus base URL (probed by the overview; history with `source=prometheus`)."
    )
    alertmanager_url: str | None = Field(None, description="Alertmanager base URL (probed).")
    grafana_url: str | None = Field(None, description="Grafana base URL (probed).")
    probe_timeout: float = Field(2.0, gt=0, le=30, description="Seconds a health probe of a part may take.")
    api_token: SecretStr | None = Field(
        None, description="Bearer token for /api; generated into the data dir when needed and unset."
    )
    max_request_bytes: int = Field(
        1048576, ge=1024, le=1 << 30, description="Largest request body accepted (larger: 413)."
    )
    max_batch_bytes: int = Field(
        8388608,
        ge=1024,
        le=1 << 30,
        description="Largest body of POST /api/jobs/batch (10,000 jobs of ~800 bytes; larger: 413).",
    )
    exporter_max_bytes: int = Field(
        16777216, ge=65536, le=1 << 30, description="Largest exporter answer read (larger: a failed scrape)."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated origins allowed by CORS; empty = CORS off."
    )
    dispy_secret: SecretStr = Field(
        SecretStr(""), description="Shared dispy secret (dispynode -s); required once a node is off loopback."
    )
    dispy_host: str | None = Field(
        None, description="Address the dispy client binds; default 127.0.0.1 when every node is on loopback."
    )
    dispy_port: int = Field(
        DEFAULT_CLIENT_PORT,
        ge=1,
        le=65533,
        description=f"dispy client port (nodes listen on {DEFAULT_NODE_PORT}).",
    )
    dispy_pulse_interval: float = Field(
        2.0, ge=0.1, le=1000, description="Seconds between node pulses; a node missing 5 pulses is dead."
    )
    dispy_scheduler: str | None = Field(
        None,
        description="host[:port] of a dispyscheduler (default port 9702) through which the nodes are shared; "
        "unset = the service's own JobCluster.",
    )
    dispy_nodes: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated host[:port] dispy nodes used besides the inventory.",
    )
    dispy_certfile: Path | None = Field(
        None,
        description="Certificate (PEM) that encrypts dispy traffic: the nodes' `--certfile` or its CA "
        "(dispy trusts the peers this file verifies). Python 3.11 only.",
    )
    dispy_keyfile: Path | None = Field(
        None, description="Key of DISPYCLUSTER_DISPY_CERTFILE (unset: the key is in that file)."
    )
    allow_commands: bool = Field(True, description="Allow `processing` jobs (programs run on the nodes).")
    scrape_allow_private: bool = Field(
        False, description="Let `scraping` jobs reach loopback, private and link-local addresses."
    )
    scrape_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated hosts `scraping` may reach even on private addresses.",
    )
    jobs_per_cpu: int = Field(
        3,
        ge=1,
        le=16,
        description="Jobs handed to dispy per node CPU, at least (a node ending jobs fast gets what it ends "
        "in 0.4 s); 1: strict order.",
    )
    job_retry_backoff_s: float = Field(
        5.0, ge=0, le=3600, description="First automatic retry delay (doubles)."
    )
    job_log_limit: int = Field(262144, ge=1024, description="Bytes of logs kept per job.")
    job_retention_days: float = Field(
        30.0, gt=0, le=3650, description="Days a finished job (with its logs) is kept before it is deleted."
    )
    job_output_limit: int = Field(
        65536,
        ge=1024,
        description="Bytes of its stdout, and of its stderr, a command sends (live and at its end).",
    )

    tls_cert: Path | None = Field(
        None, description="Certificate chain (PEM) to serve HTTPS with; needs DISPYCLUSTER_TLS_KEY."
    )
    tls_key: Path | None = Field(None, description="Private key (PEM, unencrypted) of DISPYCLUSTER_TLS_CERT.")
    exporter_scheme: Literal["http", "https"] = Field(
        "http", description="How the exporters are scraped (Prometheus' `scheme`)."
    )
    exporter_ca_file: Path | None = Field(
        None, description="CA (PEM) that signed the exporters' certificates; unset: the system's CAs."
    )
    exporter_cert_file: Path | None = Field(
        None, description="Client certificate (PEM) presented to the exporters; needs the key file."
    )
    exporter_key_file: Path | None = Field(None, description="Key of DISPYCLUSTER_EXPORTER_CERT_FILE.")
    exporter_basic_auth_user: str | None = Field(
        None, max_length=256, description="Basic-auth user name sent to the exporters."
    )
    exporter_basic_auth_password_file: Path | None = Field(
        None, description="File holding that user's password (read at every scrape, like Prometheus)."
    )
    idempotency_key_hours: float = Field(
        24.0, ge=24, le=24 * 365, description="Hours an Idempotency-Key of a job submission is remembered."
    )
    audit_retention_days: float = Field(
        365.0, gt=0, le=3650, description="Days an audit entry (one mutation request) is kept."
    )
    guard_exporter: bool = Field(True, description="No new job on a node whose exporter is down.")
    guard_temperature: bool = Field(
        True, description="No new job on a node at or above the temperature warning threshold."
    )
    guard_power: bool = Field(
        True, description="No new job on a Raspberry Pi under-voltage or throttled now."
    )
    guard_disk: bool = Field(
        True, description="No new job on a node whose root filesystem is above the critical threshold."
    )
    guard_temperature_margin: float = Field(
        5.0, ge=0, le=50, description="°C under the threshold a hot node must cool to before it takes jobs."
    )
    guard_disk_margin: float = Field(
        2.0, ge=0, le=50, description="Points of root filesystem use under the threshold needed to clear."
    )
    guard_clear_after_s: float = Field(
        60.0, ge=0, le=86400, description="Seconds a guard's clear condition must hold before it clears."
    )

    @field_validator("prometheus_url", "alertmanager_url", "grafana_url", mode="before")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("cors_origins", "dispy_nodes", "scrape_allow_hosts", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("dispy_scheduler")
    @classmethod
    def _check_scheduler(cls, value: str | None) -> str | None:
        """Normalised to `host:port`; the client reaches the scheduler on dispy_port + 2, hence port ≥ 3."""
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host:
            host, port = port, str(DEFAULT_SCHEDULER_PORT)
        if not port.isdigit() or not 3 <= int(port) <= 65535:
            raise ValueError("must be host or host:port with a port from 3 to 65535")
        return f"{host}:{int(port)}"

    @field_validator("web_concurrency")
    @classmethod
    def _one_worker(cls, value: int) -> int:
        if value != 1:
            raise ValueError(
                "run exactly one worker: the collector and the job dispatcher keep their state in one process"
            )
        return value

    @field_validator("api_token", mode="after")
    @classmethod
    def _token_not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < MIN_TOKEN_LENGTH:
            raise ValueError(f"must be at least {MIN_TOKEN_LENGTH} characters")
        return value

    @model_validator(mode="after")
    def _timeout_within_interval(self) -> Settings:
        if self.collect_timeout > self.collect_interval:
            raise ValueError(
                f"{ENV_PREFIX}COLLECT_TIMEOUT ({self.collect_timeout}) must not exceed "
                f"{ENV_PREFIX}COLLECT_INTERVAL ({self.collect_interval})"
            )
        return self

    @model_validator(mode="after")
    def _tls_files_serve(self) -> Settings:
        """Every certificate and key named loads, each with its own key: checked before anything starts."""
        pairs = [
            ("TLS_CERT", self.tls_cert, "TLS_KEY", self.tls_key),
            ("EXPORTER_CERT_FILE", self.exporter_cert_file, "EXPORTER_KEY_FILE", self.exporter_key_file),
        ]
        for cert_name, cert, key_name, key in pairs:
            if (cert is None) != (key is None):
                raise ValueError(f"{ENV_PREFIX}{cert_name} and {ENV_PREFIX}{key_name} go together: set both")
            if cert is not None:
                _check(f"{ENV_PREFIX}{cert_name}/{key_name}", check_pair, cert, key)
        if self.dispy_keyfile is not None and self.dispy_certfile is None:
            raise ValueError(f"{ENV_PREFIX}DISPY_KEYFILE needs {ENV_PREFIX}DISPY_CERTFILE")
        if self.dispy_certfile is not None:
            if not DISPY_TLS_SUPPORTED:
                raise ValueError(f"{ENV_PREFIX}DISPY_CERTFILE: {DISPY_TLS_UNSUPPORTED}")
            _check(f"{ENV_PREFIX}DISPY_CERTFILE", check_pair, self.dispy_certfile, self.dispy_keyfile)
        if self.exporter_ca_file is not None:
            _check(f"{ENV_PREFIX}EXPORTER_CA_FILE", client_context, self.exporter_ca_file)
        if (self.exporter_basic_auth_user is None) != (self.exporter_basic_auth_password_file is None):
            raise ValueError(
                f"{ENV_PREFIX}EXPORTER_BASIC_AUTH_USER and {ENV_PREFIX}EXPORTER_BASIC_AUTH_PASSWORD_FILE "
                "go together: set both"
            )
        return self

    @property
    def dispy_scheduler_address(self) -> tuple[str, int] | None:
        if self.dispy_scheduler is None:
            return None
        host, _, port = self.dispy_scheduler.rpartition(":")
        return host, int(port)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dispycluster.db').resolve()}"


def _check(name: str, check: Callable[..., object], *files: Path | None) -> None:
    try:
        check(*files)
    except TLSFileError as error:
        raise ValueError(f"{name}: {error}") from None


def env_name(field: str) -> str:
    """The environment variable that sets `field` (errors may name it by its alias already)."""
    if field.isupper():
        return field
    return PLAIN_NAMES.get(field, f"{ENV_PREFIX}{field.upper()}")


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        name = env_name(field) if field else "settings"
        lines.append(f"  {name}: {item['msg']} (got {item.get('input')!r})" if field else f"  {item['msg']}")
    return "Invalid settings:\n" + "\n".join(lines)


def deprecation_warnings(environ: Mapping[str, str] | None = None, env_file: str = ENV_FILE) -> list[str]:
    """One line per old variable name set in the environment or in `.env`, naming its replacement."""
    names = {name.upper() for name in (os.environ if environ is None else environ)}
    if Path(env_file).is_file():
        names |= {name.upper() for name in dotenv_values(env_file)}
    return [
        f"{old} is deprecated and will be removed: set {new} instead"
        for old, new in RENAMED.items()
        if old in names
    ]


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (CLI flags, tests) on top."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None
