"""The demo programmes of the two reference countries, started on a test database."""

from __future__ import annotations

from skillsprogram_cambodia.configs import CONFIGS as CAMBODIA
from skillsprogram_indonesia.configs import CONFIGS as INDONESIA
from sqlalchemy import Engine

from skillsprogram.clock import FixedClock
from skillsprogram.config import load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import catalogue, programmes, waves
from tests.conftest import START

#: The packaged configuration of each demo programme, by the name its examples carry.
DEMO_CONFIGS = {"indonesia": INDONESIA["default"], "cambodia": CAMBODIA["default"]}


def started(country: str, engine: Engine, vault: PersonalDataVault) -> ProgrammeContext:
    """The country's demo programme started with its regions, and a wave open for registration."""
    ctx = ProgrammeContext(
        config=load_config(DEMO_CONFIGS[country]), engine=engine, vault=vault, clock=FixedClock(START)
    )
    with ctx.transaction() as uow:
        programmes.start_programme(uow, ctx)
        catalogue.sync_regions(uow, ctx)
        waves.open_wave(uow, ctx)
    return ctx
