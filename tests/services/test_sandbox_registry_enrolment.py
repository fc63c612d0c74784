"""The SANDBOX registry's real use of a registry rule: "not already enrolled in another programme"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from skillsprogram.config import ProgrammeConfig, load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import EligibilityFinding
from tests.conftest import TESTLAND
from tests.services.helpers import register, status_of, to_eligible


@pytest.fixture
def config() -> ProgrammeConfig:
    """Testland with the SANDBOX registry verifying everyone and finding some enrolled elsewhere."""
    base = load_config(TESTLAND)
    settings = {
        "sandbox_registry": {
            "not_found_rate": 0.0,
            "mismatch_rate": 0.0,
            "enrolled_elsewhere_rate": 0.5,
            "seed": 3,
        },
        **base.plugin_settings,
    }
    return base.model_copy(
        update={"plugins": [*base.plugins, "sandbox_registry"], "plugin_settings": settings}
    )


def test_the_sandbox_registry_finds_some_applicants_enrolled_in_another_programme(
    ctx: ProgrammeContext,
) -> None:
    applications = register(ctx, 12)
    to_eligible(ctx)
    with ctx.uow() as uow:
        enrolled = set(
            uow.session.execute(
                select(EligibilityFinding.application_id).where(
                    EligibilityFinding.rule == "sandbox_registry.enrolled_elsewhere"
                )
            ).scalars()
        )
    assert 0 < len(enrolled) < len(applications)
    assert all(status_of(ctx, a) == "ineligible" for a in enrolled)
