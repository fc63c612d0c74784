"""Sharing a wave's places and walking a ranked list within quotas, without a database."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillsprogram.domain.lottery import weighted_order
from skillsprogram.domain.quotas import (
    QuotaWalk,
    Seat,
    allocate,
    by_population,
    largest_remainder,
    region_at_level,
)

REGIONS = ["10", "20", "30", "40"]
weights = st.dictionaries(st.sampled_from(REGIONS), st.integers(min_value=0, max_value=10_000), min_size=1)
places = st.integers(min_value=0, max_value=5_000)


def test_region_at_level_is_the_ancestor_code() -> None:
    assert region_at_level("32.04.05", 2) == "32.04"
    assert region_at_level("32", 2) == "32"


def test_largest_remainder_gives_the_places_left_to_the_largest_remainders() -> None:
    # 10 places by 3:3:1 are 4.29, 4.29, 1.43: the place left goes to the largest remainder.
    assert largest_remainder(10, {"a": 3, "b": 3, "c": 1}) == {"a": 4, "b": 4, "c": 2}
    # 10 places by 1:1:1 are 3.33 each: the tie is broken by code.
    assert largest_remainder(10, {"b": 1, "a": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}


def test_a_region_of_zero_population_gets_no_place() -> None:
    assert by_population(7, {"10": 0, "20": 2, "30": 5}) == {"10": 0, "20": 2, "30": 5}


def test_population_shares_ignore_demand_and_fill_the_wave() -> None:
    assert by_population(100, {"10": 700, "20": 299, "30": 1}) == {"10": 70, "20": 30, "30": 0}


def test_sharing_by_population_without_any_population_is_refused() -> None:
    with pytest.raises(ValueError, match="no region has a population"):
        by_population(10, {"10": 0, "20": 0})


def test_demand_never_gives_a_region_more_places_than_applicants() -> None:
    assert allocate(100, {"10": 3, "20": 5, "30": 0}) == {"10": 3, "20": 5, "30": 0}


@given(places, weights)
def test_largest_remainder_adds_up_to_the_wave_size(total: int, shares: dict[str, int]) -> None:
    result = largest_remainder(total, shares)
    assert set(result) == set(shares)
    assert sum(result.values()) == (total if sum(shares.values()) else 0)
    pool = sum(shares.values()) or 1
    for region, weight in shares.items():
        exact = total * weight / pool
        assert exact - 1 < result[region] < exact + 1  # within one place of its exact share
        if weight == 0:
            assert result[region] == 0


@given(places, weights)
def test_demand_allocation_is_capped_by_demand(total: int, demand: dict[str, int]) -> None:
    result = allocate(total, demand)
    assert sum(result.values()) == min(total, sum(demand.values()))
    assert all(result[region] <= demand[region] for region in demand)


@given(places, weights)
def test_more_population_never_means_fewer_places(total: int, population: dict[str, int]) -> None:
    """Between two regions, the more populous never gets fewer places."""
    if not sum(population.values()):
        return
    result = by_population(total, population)
    for a in population:
        for b in population:
            if population[a] > population[b]:
                assert result[a] >= result[b]


# --- the walk of a draw ------------------------------------------------------------------

households = [uuid.UUID(int=n) for n in range(6)]
seat = st.builds(Seat, st.sampled_from(REGIONS), st.one_of(st.none(), st.sampled_from(households)))


def test_the_walk_selects_down_the_ranking_until_each_quota_is_full() -> None:
    walk = QuotaWalk({"10": 2, "20": 1})
    seats = [Seat("10", None), Seat("20", None), Seat("10", None), Seat("10", None), Seat("20", None)]
    assert list(walk.walk(seats)) == [True, True, True, False, False]
    assert walk.selected() == {"10": 2, "20": 1}


def test_a_region_without_a_quota_selects_nobody() -> None:
    assert list(QuotaWalk({"10": 5}).walk([Seat("30", None)])) == [False]


def test_the_household_cap_counts_recipients_from_before_the_draw() -> None:
    family = households[0]
    walk = QuotaWalk({"10": 5}, household_cap=2, recipients={family: 1})
    assert list(walk.walk([Seat("10", family)] * 3)) == [True, False, False]


@given(
    st.lists(seat, max_size=60),
    st.dictionaries(st.sampled_from(REGIONS), st.integers(min_value=0, max_value=10)),
    st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
    st.dictionaries(st.sampled_from(households), st.integers(min_value=0, max_value=3)),
)
def test_the_walk_keeps_quotas_the_household_cap_and_the_ranked_order(
    seats: list[Seat], quotas: dict[str, int], cap: int | None, before: dict[uuid.UUID, int]
) -> None:
    chosen = list(QuotaWalk(quotas, cap, before).walk(seats))
    selected = [s for s, c in zip(seats, chosen, strict=True) if c]
    for region in REGIONS:
        assert sum(s.quota_region == region for s in selected) <= quotas.get(region, 0)
    if cap is not None:
        for household in households:
            assert sum(s.household_id == household for s in selected) <= max(
                cap - before.get(household, 0), 0
            )
    # The order is respected: a candidate passed over had no place left in its region or
    # room in its household at its turn, so nobody ranked lower took what it could have had.
    for index, (candidate, picked) in enumerate(zip(seats, chosen, strict=True)):
        if picked:
            continue
        ahead = [s for s, c in zip(seats[:index], chosen[:index], strict=True) if c]
        region_full = sum(s.quota_region == candidate.quota_region for s in ahead) >= quotas.get(
            candidate.quota_region, 0
        )
        household_full = (
            cap is not None
            and candidate.household_id is not None
            and before.get(candidate.household_id, 0)
            + sum(s.household_id == candidate.household_id for s in ahead)
            >= cap
        )
        assert region_full or household_full


@given(st.text(min_size=1, max_size=20), st.lists(seat, min_size=1, max_size=30))
def test_a_draw_is_the_same_for_the_same_seed(seed: str, seats: list[Seat]) -> None:
    ranked = list(enumerate(seats))
    ids = {index: uuid.UUID(int=index + 1) for index, _seat in ranked}

    def drawn() -> list[int]:
        order = weighted_order(ranked, seed, lambda item: ids[item[0]])
        walk = QuotaWalk({region: 2 for region in REGIONS}, household_cap=1)
        return [index for (index, s) in order if walk.admit(s)]

    assert drawn() == drawn()
