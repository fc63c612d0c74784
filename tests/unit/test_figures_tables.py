"""The figures' pure parts: the region roll-up, the rates and the table's CSV."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skillsprogram.domain.figures import Column, Table
from skillsprogram.services.figures.funnel import rates_of
from skillsprogram.services.figures.scope import Regions


@st.composite
def hierarchies(draw: st.DrawFn) -> Regions:
    """A forest of up to 12 regions, each child numbered after its parent."""
    size = draw(st.integers(1, 12))
    parents: dict[str, str | None] = {}
    for index in range(size):
        parent = draw(st.sampled_from([None, *parents])) if parents else None
        parents[f"r{index}"] = parent
    return Regions({code: code.upper() for code in parents}, parents, {code: [] for code in parents})


@given(hierarchies(), st.data())
def test_the_children_of_a_region_sum_to_what_lies_within_it(regions: Regions, data: st.DataObject) -> None:
    counts = {
        code: {"registered": data.draw(st.integers(0, 50))}
        for code in data.draw(st.sets(st.sampled_from(sorted(regions.parents))))
    }
    node = data.draw(st.sampled_from([None, *sorted(regions.parents)]))
    children = regions.roll_up(node, counts)
    within = regions.within(node) - {node} if node is not None else set(regions.parents)
    expected = sum(found["registered"] for code, found in counts.items() if code in within)
    assert sum(found.get("registered", 0) for found in children.values()) == expected
    assert sorted(children) == regions.children(node)


def test_a_rate_over_nothing_is_undefined_not_zero() -> None:
    assert rates_of({"voucher_issued": 4, "course_purchased": 3}) == [0.75, 0.0, None]


def test_csv_has_a_header_of_column_keys_and_empty_cells_for_none() -> None:
    table = Table("t", "T", (Column("a", "A"), Column("b", "B")), ((1, None),))
    assert table.csv() == "a,b\r\n1,\r\n"
