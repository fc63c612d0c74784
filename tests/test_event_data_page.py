"""docs/event-data.md lists what the services write into each lifecycle event."""

from __future__ import annotations

from pathlib import Path

from tests.support.event_data import GENERATOR, render_markdown

PAGE = Path(__file__).resolve().parents[1] / "docs" / "event-data.md"


def test_the_event_data_page_matches_what_a_demo_wave_of_each_country_writes() -> None:
    assert PAGE.read_text() == render_markdown(), f"docs/event-data.md is stale: run `{GENERATOR}`"
