"""The file reader against hostile bytes: it refuses, by line and column, and never crashes."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field, StrictInt, StringConstraints

from skillsprogram.services import imports
from skillsprogram.services.imports import PRINTABLE, Month, Row, UnreadableFile, ascii_digits
from skillsprogram.services.training import AttendanceRow
from tests.support import hostile

ID = str(uuid.UUID(int=7))


class Sample(Row):
    """A row with a month, a bounded number and a bounded optional text."""

    purchase_id: uuid.UUID
    period: Month
    percent: Annotated[StrictInt, ascii_digits(3), Field(ge=0, le=100)]
    note: Annotated[str, StringConstraints(max_length=200), PRINTABLE] | None = None


def csv_of(*lines: str) -> bytes:
    return "\n".join(["purchase_id,period,percent,note", *lines, ""]).encode()


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def test_good_rows_are_read_with_their_line_numbers_and_empty_cells_are_absent() -> None:
    rows = imports.read_csv(csv_of(f"{ID},2025-02,80,", "", f" {ID} , 2025-03 , 7 ,fine"), Sample)
    assert rows.problems == []
    assert [(line, row.period, row.percent, row.note) for line, row in rows.rows] == [
        (2, "2025-02", 80, None),
        (4, "2025-03", 7, "fine"),
    ]


@pytest.mark.parametrize("name", sorted(hostile.REFUSED_IN_TEXT))
def test_each_hostile_text_in_a_cell_refuses_that_row_naming_line_and_column(name: str) -> None:
    value = hostile.TEXT[name]
    rows = imports.read_csv(csv_of(f"{ID},2025-02,1,ok", f"{ID},2025-02,1,{quoted(value)}"), Sample)
    assert [line for line, _row in rows.rows] == [2]
    assert {(p.line, p.column) for p in rows.problems} == {(3, "note")}, rows.problems


@pytest.mark.parametrize("name", ["arabic_indic_digits", "full_width_digits", "huge_number", "nul"])
def test_a_number_must_be_a_few_ascii_digits(name: str) -> None:
    rows = imports.read_csv(csv_of(f"{ID},2025-02,{quoted(hostile.TEXT[name])},"), Sample)
    assert rows.rows == [] and [(p.line, p.column) for p in rows.problems] == [(2, "percent")]


def test_a_5000_digit_number_is_refused_without_being_converted() -> None:
    started = time.perf_counter()
    rows = imports.read_csv(csv_of(*[f"{ID},2025-02,{'9' * 5_000}," for _ in range(1_000)]), Sample)
    assert rows.refused == 1_000 and "more than 3 digits" in rows.problems[0].message
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "period",
    ["\u0662\u0660\u0662\u0666-\u0661\u0661", "\uff12\uff10\uff12\uff16-\uff11\uff11", "2026-13", "2026-1"],
)
def test_a_period_is_yyyy_mm_in_ascii_digits(period: str) -> None:
    rows = imports.read_csv(
        f"purchase_id,period,attendance_percent\n{ID},{period},80\n".encode(), AttendanceRow
    )
    assert [(p.line, p.column) for p in rows.problems] == [(2, "period")]


def test_a_formula_cell_is_data_kept_as_written() -> None:
    formula = hostile.TEXT["formula"]
    rows = imports.read_csv(csv_of(f"{ID},2025-02,1,{quoted(formula)}"), Sample)
    assert [row.note for _line, row in rows.rows] == [formula]


def test_a_line_longer_than_the_limit_is_refused_on_its_own() -> None:
    too_long = "y" * (imports.MAX_LINE_CHARS + 1)
    rows = imports.read_csv(csv_of(f"{ID},2025-02,1,{too_long}", f"{ID},2025-02,2,"), Sample)
    assert [line for line, _row in rows.rows] == [3]
    assert [(p.line, p.column) for p in rows.problems] == [(2, None)]


def test_a_cell_cannot_span_lines_and_a_bad_line_never_hides_the_next() -> None:
    rows = imports.read_csv(csv_of(f'{ID},2025-02,1,"open', 'still",', f"{ID},2025-02,2,"), Sample)
    assert [line for line, _row in rows.rows] == [4]
    assert [p.line for p in rows.problems] == [2, 3]


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ("purchase_id,period", "missing column(s) percent"),
        ("purchase_id,period,percent,sector", "unknown column(s) 'sector'"),
        ("purchase_id,period,percent,percent", "repeated column(s) percent"),
        ("purchase_id,period,percent,no\x00te", "control character"),
    ],
)
def test_a_header_that_does_not_name_the_columns_refuses_the_file(header: str, said: str) -> None:
    with pytest.raises(UnreadableFile, match=re.escape(said)) as caught:
        imports.read_csv(f"{header}\n{ID},2025-02,1,x\n".encode(), Sample)
    assert "line 1, the header" in caught.value.message


@pytest.mark.parametrize("name", sorted(hostile.INVALID_UTF8))
def test_bytes_that_are_not_utf8_refuse_the_file_naming_the_byte_and_line(name: str) -> None:
    head, bad = csv_of(f"{ID},2025-02,1,"), hostile.INVALID_UTF8[name]
    with pytest.raises(UnicodeDecodeError) as where:
        bad.decode("utf-8")
    with pytest.raises(UnreadableFile) as caught:
        imports.read_csv(head + bad + b"\n", Sample)
    assert f"byte {len(head) + where.value.start:,} (line 3)" in caught.value.message


def test_a_byte_order_mark_is_allowed_and_does_not_shift_the_byte_offset() -> None:
    content = b"\xef\xbb\xbf" + csv_of(f"{ID},2025-02,1,")
    assert len(imports.read_csv(content, Sample).rows) == 1
    with pytest.raises(UnreadableFile, match=f"byte {len(content):,} "):
        imports.read_csv(content + b"\xff", Sample)


def item(**fields: object) -> dict[str, object]:
    return {"purchase_id": ID, "period": "2025-02", "percent": 5, **fields}


def test_json_items_are_validated_one_by_one_and_named_by_the_line_they_start_on() -> None:
    content = (
        "[\n"
        + ",\n".join(
            json.dumps(i) for i in [item(), item(percent="5"), 3, item(note="a\u0000b"), item(extra=1)]
        )
        + "\n]"
    )
    rows = imports.read_json_list(content.encode(), Sample)
    assert [line for line, _row in rows.rows] == [2]
    assert [(p.line, p.column) for p in rows.problems] == [
        (3, "percent"),
        (4, None),
        (5, "note"),
        (6, "'extra'"),
    ]


def test_json_items_sharing_a_line_are_counted_and_named_one_by_one() -> None:
    rows = imports.read_json_list(json.dumps([item(), 3, item(percent="5"), item()]).encode(), Sample)
    assert (rows.total, len(rows.rows), rows.refused) == (4, 2, 2)
    assert [str(p) for p in rows.problems] == [
        "line 1 item 2: the item is not a JSON object",
        "line 1 item 3 column percent: Input should be a valid integer",
    ]


def test_a_json_number_of_5000_digits_refuses_only_its_item() -> None:
    content = (
        f'[{json.dumps(item())},\n{{"purchase_id": "{ID}", "period": "2025-02", "percent": {"9" * 5_000}}}]'
    )
    rows = imports.read_json_list(content.encode(), Sample)
    assert len(rows.rows) == 1 and [(p.line, p.column) for p in rows.problems] == [(2, "percent")]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (hostile.DEEP_JSON, "nested deeper than"),
        ('{"items": []}', "not a JSON list"),
        ("[1,]", "line 1 column 4"),
        ("[1] 2", "something follows"),
        ("[NaN]", "NaN is not a JSON number"),
        ('[{"a": 1, "a": 2}]', "given twice"),
        ("", "not a JSON list"),
    ],
)
def test_json_that_is_not_a_plain_list_refuses_the_file(content: str, said: str) -> None:
    with pytest.raises(UnreadableFile, match=said):
        imports.read_json_list(content.encode(), Sample)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), hostile.invalid_utf8(), st.text(max_size=300).map(str.encode)))
def test_any_bytes_are_read_or_refused_never_crash(content: bytes) -> None:
    for read in (imports.read_csv, imports.read_json_list):
        try:
            rows = read(b"purchase_id,period,percent,note\n" + content, Sample)
        except UnreadableFile:
            continue
        assert all(p.line >= 1 and p.message for p in rows.problems)


@settings(max_examples=200, deadline=None)
@given(
    note=hostile.control_text().filter(lambda text: "\n" not in text),
    digits=hostile.non_ascii_digits(),
    huge=hostile.huge_numbers(),
)
def test_generated_hostile_cells_are_refused_by_column(note: str, digits: str, huge: str) -> None:
    content = csv_of(
        f"{ID},2025-02,1,{quoted(note)}", f"{ID},2025-02,{quoted(digits)},", f"{ID},2025-02,{huge},"
    )
    rows = imports.read_csv(content, Sample)
    assert rows.rows == []
    refused = {(p.line, p.column) for p in rows.problems}
    assert {(3, "percent"), (4, "percent")} <= refused
    assert (2, "note") in refused or any(p.line == 2 and p.column is None for p in rows.problems)


@settings(max_examples=100, deadline=None)
@given(depth=st.integers(imports.MAX_JSON_DEPTH + 1, 20_000))
def test_json_nested_beyond_the_limit_is_refused_at_any_depth(depth: int) -> None:
    with pytest.raises(UnreadableFile, match="nested deeper"):
        imports.read_json_list(("[" * depth + "]" * depth).encode(), Sample)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), hostile.invalid_utf8(), st.text(max_size=300).map(str.encode)))
def test_every_refusal_names_its_rule_by_a_code_and_every_unreadable_file_its_reason(content: bytes) -> None:
    try:
        rows = imports.read_csv(b"purchase_id,period,percent,note\n" + content, Sample)
    except UnreadableFile as error:
        assert error.details["reason"] in {"not-utf8", "empty", "header", "columns", "too-large"}
        return
    assert all(p.code for p in rows.problems)
    lines = [line for line, _row in rows.rows] + [p.line for p in rows.problems]
    assert all(line >= 2 for line in lines)


@settings(max_examples=100, deadline=None)
@given(size=st.integers(1_024, 4_096), extra=st.integers(1, 500))
def test_a_file_beyond_the_limit_it_is_read_with_is_refused_as_too_large(size: int, extra: int) -> None:
    content = csv_of(*[f"{ID},2025-02,1,"] * (size // 40 + extra))
    limit = len(content) - 1
    with pytest.raises(UnreadableFile) as refused:
        imports.read_csv(content, Sample, limit)
    assert refused.value.details == {"reason": "too-large", "size": len(content), "limit": limit}
    assert len(imports.read_csv(content, Sample, len(content)).rows) == size // 40 + extra


def test_a_header_naming_the_wrong_columns_lists_them_for_the_reader() -> None:
    with pytest.raises(UnreadableFile) as refused:
        imports.read_csv(b"purchase_id,month,percent,percent\n", Sample)
    details = refused.value.details
    assert details["reason"] == "columns"
    assert details["missing"] == ["period"] and details["unknown"] == ["'month'"]
    assert details["repeated"] == ["percent"]
    assert details["expected"] == ["purchase_id", "period", "percent", "note"]
