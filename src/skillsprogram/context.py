"""Wiring: one programme's configuration, plugins, clock, personal-data vault and database.

Interfaces (the CLI and the API) build a :class:`ProgrammeContext` once and hand it,
with a unit of work, to the services.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pluggy
from sqlalchemy import Engine
from sqlmodel import col, select

from skillsprogram.clock import Clock, SystemClock
from skillsprogram.config import ProgrammeConfig, parse_config
from skillsprogram.domain.exchange import PaymentRail
from skillsprogram.domain.models import Programme
from skillsprogram.errors import ConfigurationError, NotFound
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.i18n import Catalogues
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.storage.uow import UnitOfWork


@dataclass
class ProgrammeContext:
    """Everything a service needs besides its unit of work."""

    config: ProgrammeConfig
    engine: Engine
    vault: PersonalDataVault
    clock: Clock = field(default_factory=SystemClock)
    pm: pluggy.PluginManager | None = None
    programme_id: uuid.UUID | None = None
    actor: str = "system"
    known_accounts: dict[tuple[str, str, str], uuid.UUID] = field(default_factory=dict, repr=False)
    """Ledger account ids already seen in the database (see ``services.ledger``)."""

    def __post_init__(self) -> None:
        if self.pm is None:
            self.pm = build_plugin_manager(self.config.plugins)

    @property
    def hook(self) -> Any:
        """The plugin hooks (``ctx.hook.skillsprogram_...``)."""
        assert self.pm is not None
        return self.pm.hook

    @property
    def pid(self) -> uuid.UUID:
        """The programme's id; the programme must have been started."""
        if self.programme_id is None:
            raise ConfigurationError("the programme has not been started in this database")
        return self.programme_id

    @cached_property
    def rails(self) -> dict[str, PaymentRail]:
        """The payment rails enabled plugins offer, by code."""
        found: dict[str, PaymentRail] = {}
        for offered in self.hook.skillsprogram_payment_rails(programme=self.config):
            for rail in offered:
                if rail.code in found:
                    raise ConfigurationError(f"two plugins offer a payment rail {rail.code!r}")
                found[rail.code] = rail
        return found

    @cached_property
    def texts(self) -> Catalogues:
        """The programme's messages in each of its languages: the catalogues plugins offer
        (latest registered first) before the core's."""
        folders = [
            Path(f)
            for offered in self.hook.skillsprogram_message_catalogues(programme=self.config)
            for f in offered
        ]
        return Catalogues(folders, self.config.programme.locales)

    def rail(self, code: str) -> PaymentRail:
        """The rail with ``code``, or a clear error naming the rails on offer."""
        try:
            return self.rails[code]
        except KeyError:
            raise NotFound(
                f"no payment rail {code!r}; this programme offers {sorted(self.rails) or 'none'}",
                code="unknown-rail",
            ) from None

    def uow(self) -> UnitOfWork:
        """A new unit of work on the programme's database."""
        return UnitOfWork(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """A unit of work that commits on success, then hands new events to the plugins."""
        with self.uow() as uow:
            yield uow
            uow.commit()
        from skillsprogram.services.events import dispatch_events

        dispatch_events(self)


def load_programme(
    engine: Engine,
    vault: PersonalDataVault,
    code: str,
    clock: Clock | None = None,
    extra_plugins: list[tuple[str, Any]] | None = None,
) -> ProgrammeContext:
    """A context for a programme already started, with the configuration frozen at its start."""
    with UnitOfWork(engine) as uow:
        programme = uow.session.exec(select(Programme).where(col(Programme.code) == code)).first()
        if programme is None:
            raise NotFound(f"no programme {code!r} in this database; start it first")
        snapshot = programme.config
        pid = programme.id
    config = parse_config(snapshot, source=f"programme {code} (stored configuration)")
    return ProgrammeContext(
        config=config,
        engine=engine,
        vault=vault,
        clock=clock or SystemClock(),
        pm=build_plugin_manager(config.plugins, extra=extra_plugins),
        programme_id=pid,
    )
