"""Service settings, read from the environment (and `.env`) with pydantic-settings.

`HOST`, `PORT` and `DEBUG` keep their plain names (as the original documented them); everything else
is prefixed with `DISPYCLUSTER_`. An invalid value stops start-up with a message naming the setting.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DISPYCLUSTER_", env_file=".env", extra="ignore")

    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "DISPYCLUSTER_HOST"))
    port: int = Field(8085, ge=1, le=65535, validation_alias=AliasChoices("PORT", "DISPYCLUSTER_PORT"))
    debug: bool = Field(False, validation_alias=AliasChoices("DEBUG", "DISPYCLUSTER_DEBUG"))

    data_dir: Path = Field(Path("data"), description="Where the SQLite database and generated secrets live.")
    database_url: str | None = Field(
        None, description="Any SQLAlchemy URL; default is SQLite in the data dir."
    )

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dispycluster.db').resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (CLI flags, tests) on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
