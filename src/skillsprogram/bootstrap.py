"""Assemble a deployment from settings: database engine, personal-data vault, countries."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from skillsprogram.clock import Clock
from skillsprogram.context import ProgrammeContext, load_programme
from skillsprogram.errors import ConfigurationError
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.settings import SecretMissing, Settings
from skillsprogram.storage import migrate
from skillsprogram.storage.db import make_engine

COUNTRIES_GROUP = "skillsprogram.countries"


@dataclass
class Deployment:
    """One installation: its settings, database and secret."""

    settings: Settings
    engine: Engine
    vault: PersonalDataVault

    @classmethod
    def from_settings(cls, settings: Settings | None = None, database_url: str | None = None) -> Deployment:
        """An installation that is set up: its database exists at this version's revision and
        its secret is there (``database_url`` overrides ``DATABASE_URL``).

        Refuses with one line saying what to do otherwise (:class:`DatabaseNotReady`,
        :class:`SecretMissing`), and creates nothing: no database file, no key file.
        """
        settings = settings_for(settings, database_url)
        url = settings.resolved_database_url()
        migrate.require_current(url)
        if not settings.has_secret():
            _refuse_a_new_secret_over_data(settings, url)
        return cls(
            settings=settings, engine=make_engine(url), vault=PersonalDataVault(settings.resolved_secret())
        )

    @classmethod
    def set_up(
        cls,
        settings: Settings | None = None,
        database_url: str | None = None,
        *,
        revision: str = "head",
        reset: bool = False,
    ) -> Deployment:
        """The explicit set-up step (``db upgrade``, ``demo``): bring the database to
        ``revision`` (emptied first when ``reset``) and create the key file if no secret is set.

        A database that already holds a programme but whose secret is missing is refused
        before anything changes: a new key would make its personal data unreadable.
        """
        settings = settings_for(settings, database_url)
        url = settings.resolved_database_url()
        if not settings.has_secret() and not reset:
            _refuse_a_new_secret_over_data(settings, url)
        migrate.set_up(url, revision, reset=reset)
        if not settings.has_secret():
            settings.create_secret()
        return cls(
            settings=settings, engine=make_engine(url), vault=PersonalDataVault(settings.resolved_secret())
        )

    @property
    def url(self) -> str:
        """The database URL (with its password, if any: do not print it)."""
        return self.engine.url.render_as_string(hide_password=False)

    def programme(
        self, code: str, clock: Clock | None = None, extra_plugins: list[tuple[str, Any]] | None = None
    ) -> ProgrammeContext:
        """The context of a started programme."""
        return load_programme(self.engine, self.vault, code, clock, extra_plugins)


def settings_for(settings: Settings | None, database_url: str | None) -> Settings:
    """``settings`` (default: from the environment) with ``database_url`` when given."""
    settings = settings or Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


def _refuse_a_new_secret_over_data(settings: Settings, url: str) -> None:
    if migrate.holds_programmes(url):
        raise SecretMissing(
            f"the personal-data key {settings.key_file.resolve()} is missing, and the database "
            f"{migrate.shown(url)} holds data encrypted with it: restore the key file or set "
            "SKILLSPROGRAM_SECRET_KEY to the deployment's secret (a new key would make every "
            "stored personal value unreadable)"
        )


def country_configs() -> dict[str, dict[str, Path]]:
    """Installed country packages and their configurations by scheme name."""
    found: dict[str, dict[str, Path]] = {}
    for ep in entry_points(group=COUNTRIES_GROUP):
        configs = ep.load()
        found[ep.name] = {name: Path(path) for name, path in dict(configs).items()}
    return found


def country_config(country: str | None, scheme: str | None = None) -> Path:
    """The configuration file of ``country``'s ``scheme`` (its default when not given); with no
    ``country``, the only installed one."""
    countries = country_configs()
    if country is None:
        if len(countries) != 1:
            raise ConfigurationError(
                f"choose a country: installed country packages are {sorted(countries) or 'none'}"
            )
        (country,) = countries
    if country not in countries:
        raise ConfigurationError(
            f"no country package {country!r} is installed (installed: {sorted(countries) or 'none'}); "
            f"install one, e.g. pip install -e examples/{country}"
        )
    schemes = countries[country]
    key = scheme or "default"
    if key not in schemes:
        raise ConfigurationError(f"{country} has no scheme {key!r}; it has {sorted(schemes)}")
    return schemes[key]
