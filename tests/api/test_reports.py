"""The monitoring figures over HTTP: the list, JSON and CSV, filters, refusals."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from skillsprogram.services import figures
from tests.api.conftest import Credentials, staff_token
from tests.services.helpers import register


@pytest.fixture
def registered(ctx: ProgrammeContext) -> None:
    """Three registered (two in 10.01, one in 20.01), taken into the tallies."""
    register(ctx, 3)
    figures.refresh(ctx)


def test_the_list_names_every_report_by_section(client: TestClient, creds: Credentials) -> None:
    body = client.get("/v1/reports", headers=creds.officer).json()
    assert body["sections"] == list(figures.SECTIONS)
    assert [r["key"] for r in body["reports"]] == [k for keys in figures.SECTIONS.values() for k in keys]
    assert all(r["title"] and r["url"] == f"/v1/reports/{r['key']}" for r in body["reports"])


@pytest.mark.usefixtures("registered")
def test_a_report_answers_its_table_as_json(client: TestClient, creds: Credentials) -> None:
    response = client.get("/v1/reports/funnel-stages", headers=creds.officer)
    assert response.status_code == 200
    body = response.json()
    assert body["key"] == "funnel-stages" and body["chart"]["kind"] == "bars"
    assert {c["key"] for c in body["columns"]} >= {"stage", "count"}
    counts = {row["stage"]: row["count"] for row in body["rows"]}
    assert counts["registered"] == 3


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize(
    ("query", "headers"), [("?format=csv", {}), ("", {"Accept": "text/csv"})], ids=["query", "accept"]
)
def test_a_report_answers_csv_when_asked(
    client: TestClient, creds: Credentials, query: str, headers: dict[str, str]
) -> None:
    response = client.get(f"/v1/reports/funnel-by-region{query}", headers={**creds.officer, **headers})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["region"]: row["registered"] for row in rows} == {"10": "2", "20": "1"}


@pytest.mark.usefixtures("registered")
def test_the_region_filter_breaks_a_region_into_its_children(client: TestClient, creds: Credentials) -> None:
    body = client.get("/v1/reports/funnel-by-region?region=10", headers=creds.officer).json()
    assert {row["region"]: row["registered"] for row in body["rows"]} == {"10.01": 2, "10.02": 0}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("wave=42", 422, "unknown-wave"),
        ("region=99.99", 422, "unknown-region"),
        ("since=2026-02-01&until=2026-01-01", 422, "invalid-date-range"),
        ("since=2026-13-01", 422, None),
    ],
)
def test_a_bad_filter_is_a_problem_saying_what_is_wrong(
    client: TestClient, creds: Credentials, query: str, status: int, code: str | None
) -> None:
    response = client.get(f"/v1/reports/funnel-stages?{query}", headers=creds.officer)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    if code is not None:
        assert response.json()["code"] == code


def test_an_unknown_report_is_not_found(client: TestClient, creds: Credentials) -> None:
    response = client.get("/v1/reports/no-such-report", headers=creds.officer)
    assert response.status_code == 404 and response.json()["code"] == "unknown-report"


def test_reports_need_the_reports_scope(client: TestClient, ctx: ProgrammeContext) -> None:
    writer = staff_token(client, ctx, "officer", scope="waves:write")
    for path in ("/v1/reports", "/v1/reports/funnel-stages"):
        assert client.get(path, headers=writer).status_code == 403
