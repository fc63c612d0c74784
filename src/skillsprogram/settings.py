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

from skillsprogram.errors import ConfigurationError
from skillsprogram.storage.db import normalise_database_url

__all__ = ["DEFAULT_HOME", "SecretMissing", "Settings", "normalise_database_url"]

DEFAULT_HOME = Path(".skillsprogram")


class Settings(BaseSettings):
    """Read from ``SKILLSPROGRAM_*`` environment variables, ``DATABASE_URL`` for the database.

    Hook tracing (``SKILLSPROGRAM_TRACE_HOOKS=1``) is not a setting here: the plugin manager
    reads it wherever one is built (:func:`skillsprogram.hooks.manager.build_plugin_manager`),
    a deployment or not.
    """

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
        "when unset, the key file under `home` that `skillsprogram db upgrade` (or `demo`) creates",
    )

    def resolved_database_url(self) -> str:
        """The database URL to use, defaulting to the embedded SQLite file (nothing is created)."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.home / 'skillsprogram.db').as_posix()}"

    @property
    def key_file(self) -> Path:
        """Where the personal-data secret is kept when ``SKILLSPROGRAM_SECRET_KEY`` is unset."""
        return self.home / "secret.key"

    def has_secret(self) -> bool:
        """Whether a secret is set or its key file exists."""
        return bool(self.secret_key) or self.key_file.exists()

    def resolved_secret(self) -> str:
        """The personal-data secret: the setting, or the deployment's key file.

        Never creates the key file (a new key would make stored personal data unreadable):
        only an explicit set-up step does, through :meth:`create_secret`.
        """
        if self.secret_key:
            return self.secret_key
        if not self.key_file.exists():
            raise SecretMissing(
                f"no personal-data secret: SKILLSPROGRAM_SECRET_KEY is unset and "
                f"{self.key_file.resolve()} does not exist: run `skillsprogram db upgrade` to create it"
            )
        return self.key_file.read_text().strip()

    def create_secret(self) -> Path:
        """Write a new random key file under ``home`` (refused if one exists); returns its path."""
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        return self.key_file


class SecretMissing(ConfigurationError):
    """No personal-data secret where one is needed."""

    code = "secret-missing"
