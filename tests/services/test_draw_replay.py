"""Anyone can re-run a wave's draw from its published inputs and seed, without the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from skillsprogram.cli.main import app
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application
from skillsprogram.errors import InvalidTransition, ValidationFailed
from skillsprogram.services import draw_replay, registration, waves
from tests.conftest import TESTLAND
from tests.services.helpers import register, to_eligible
from tests.support.testland import person


def selected(ctx: ProgrammeContext) -> set[str]:
    with ctx.uow() as uow:
        found = uow.session.execute(select(Application.id).where(Application.status == "selected"))
        return {str(a) for a in found.scalars()}


def test_the_replay_of_the_published_inputs_selects_exactly_whom_the_draw_selected(
    ctx: ProgrammeContext,
) -> None:
    register(ctx, 12)
    with ctx.transaction() as uow:
        registration.register_many(uow, ctx, [person(n, household_number="SHARED") for n in range(20, 24)])
    to_eligible(ctx)
    with ctx.transaction() as uow:
        waves.allocate_quotas(uow, ctx, 1, 7)
    with ctx.uow() as uow:
        published = draw_replay.to_csv(draw_replay.draw_inputs(uow, ctx, 1))
    with ctx.transaction() as uow:
        waves.draw(uow, ctx, 1, seed="published-seed")
    inputs = draw_replay.from_csv(published)
    replayed = draw_replay.replay(ctx.hook, ctx.config, inputs, "published-seed")
    assert {str(a) for a in replayed} == selected(ctx)
    assert len(inputs.candidates) == 16 and sum(inputs.quotas.values()) == 7
    other = draw_replay.replay(ctx.hook, ctx.config, inputs, "another-seed")
    assert set(other) != set(replayed)
    assert "Person" not in published and "SHARED" not in published


def test_the_inputs_of_a_drawn_or_open_wave_are_refused(ctx: ProgrammeContext) -> None:
    with ctx.uow() as uow, pytest.raises(InvalidTransition):
        draw_replay.draw_inputs(uow, ctx, 1)


def test_a_file_that_is_not_a_draw_s_inputs_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        draw_replay.from_csv("record,wave\nsomething,1\n")
    with pytest.raises(ValidationFailed):
        draw_replay.from_csv("")


def test_the_draw_replay_command_prints_the_selected_ids(ctx: ProgrammeContext, tmp_path: Path) -> None:
    register(ctx, 5)
    to_eligible(ctx)
    with ctx.transaction() as uow:
        waves.allocate_quotas(uow, ctx, 1, 2)
    with ctx.uow() as uow:
        (tmp_path / "inputs.csv").write_text(draw_replay.to_csv(draw_replay.draw_inputs(uow, ctx, 1)))
    with ctx.transaction() as uow:
        waves.draw(uow, ctx, 1, seed="s1")
    command = ["draw-replay", str(tmp_path / "inputs.csv"), "--config", str(TESTLAND), "--seed", "s1"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert set(result.output.split()) == selected(ctx)
