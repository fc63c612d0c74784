"""Identifiers drawn from a seed, for demos that must repeat exactly."""

from __future__ import annotations

from skillsprogram.domain.types import new_id, reproducible_ids


def test_the_same_seed_draws_the_same_identifiers_in_the_same_order() -> None:
    with reproducible_ids("demo-1"):
        first = [new_id() for _ in range(50)]
    with reproducible_ids("demo-1"):
        again = [new_id() for _ in range(50)]
    with reproducible_ids("demo-2"):
        other = [new_id() for _ in range(50)]
    assert first == again
    assert not set(first) & set(other)


def test_reproducible_identifiers_are_version_7_and_sort_in_the_order_they_were_made() -> None:
    with reproducible_ids("demo-1"):
        made = [new_id() for _ in range(5_000)]
    assert {i.version for i in made} == {7}
    assert {i.variant for i in made} == {made[0].variant}
    assert sorted(made) == made
    assert len(set(made)) == len(made)


def test_outside_the_context_identifiers_come_from_the_system_again() -> None:
    with reproducible_ids("demo-1"):
        inside = new_id()
    with reproducible_ids("demo-1"):
        assert new_id() == inside
    assert new_id() != inside
    assert new_id().version == 7
