"""Start a programme: its configuration is validated and frozen with it."""

from __future__ import annotations

from sqlmodel import select

from skillsprogram.config import ProgrammeConfig
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Programme
from skillsprogram.errors import ConfigurationError
from skillsprogram.services.audit import Change, record
from skillsprogram.storage.uow import UnitOfWork


def start_programme(uow: UnitOfWork, ctx: ProgrammeContext) -> Programme:
    """Create the programme of ``ctx.config``, or return it if it exists with the same
    configuration. A changed configuration is refused: a running programme's rules do not
    change silently. Two starts at the same moment start it once (the loser is checked
    again against the winner's row)."""
    return uow.recheck_on_conflict(lambda: _start(uow, ctx))


def _start(uow: UnitOfWork, ctx: ProgrammeContext) -> Programme:
    config: ProgrammeConfig = ctx.config
    existing = uow.session.exec(select(Programme).where(Programme.code == config.code)).first()
    if existing is not None:
        if existing.config_fingerprint != config.fingerprint():
            raise ConfigurationError(
                f"programme {config.code!r} was started with another configuration; "
                "a running programme's rules cannot be changed by editing its file",
                code="configuration-changed",
            )
        ctx.programme_id = existing.id
        return existing
    programme = Programme(
        code=config.code,
        name=config.programme.name,
        currency=config.currency,
        config=config.model_dump(mode="json"),
        config_fingerprint=config.fingerprint(),
        started_at=ctx.clock.now(),
    )
    uow.session.add(programme)
    uow.session.flush()
    ctx.programme_id = programme.id
    record(
        uow,
        ctx,
        [
            Change(
                "programme",
                programme.id,
                "programme_started",
                data={"code": config.code, "fingerprint": programme.config_fingerprint},
            )
        ],
    )
    return programme
