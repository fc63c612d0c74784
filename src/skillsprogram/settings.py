"""Deployment settings (environment variables), as opposed to programme configuration.

A deployment chooses its database and its personal-data secret; a programme's
rules live in its configuration file (:mod:`skillsprogram.config`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path(".skillsprogram")


class Settings(BaseSettings):
    """Read from ``SKILLSPROGRAM_*`` environment variables, ``DATABASE_URL`` for the database."""

    model_config = SettingsConfigDict(env_prefix="SKILLSPROGRAM_", extra="ignore")

    home: Path = Field(default=DEFAULT_HOME, description="Folder for the embedded database and key")
    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; the embedded SQLite file under `home` when unset",
    )
    secret_key: str | None = Field(
        default=None,
        description="Secret from which personal-data hash and encryption keys are derived; "
        "a key file under `home` is created on first use when unset",
    )
    trace_hooks: bool = Field(default=False, description="Log every plugin hook call")

    def resolved_database_url(self) -> str:
        """The database URL to use, defaulting to the embedded SQLite file."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.home / 'skillsprogram.db').as_posix()}"

    def resolved_secret(self) -> str:
        """The personal-data secret: the setting, or the deployment's key file."""
        if self.secret_key:
            return self.secret_key
        path = self.home / "secret.key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
