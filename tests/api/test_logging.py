"""No personal text in any log line: a representative run of the API, two forced 500s
included, with every record captured and scanned for the values it was sent."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from skillsprogram.api.logs import JsonLines, Redaction, log_config, redact
from skillsprogram.context import ProgrammeContext
from skillsprogram.services import grievances
from tests.api.conftest import Credentials
from tests.api.helpers import registration

NAME = "Zainab Qwertyuiop"
NATIONAL_ID = "1000777"
PHONE = "+99007770777"
COMPLAINT = "my neighbour Ximena Plughstone took the voucher"
PERSONAL = (NAME, "Qwertyuiop", NATIONAL_ID, PHONE, "Plughstone", "H777")


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record the server side wrote (the test client's own ``httpx`` log is the
    caller's), as pytest writes it and as the API's JSON lines do."""
    plain = logging.Formatter("%(name)s %(levelname)s %(message)s")
    json_lines = JsonLines()
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    return [
        form
        for record in server
        for form in (
            plain.format(record),
            caplog.handler.format(record),
            json_lines.format(record),
            str(record.__dict__),
        )
    ]


def test_no_log_line_of_the_api_holds_a_name_an_id_a_phone_or_a_complaint(
    client: TestClient,
    ctx: ProgrammeContext,
    creds: Credentials,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements and their parameters
    monkeypatch.setenv("SKILLSPROGRAM_TRACE_HOOKS", "1")
    try:
        body = registration(
            777, full_name=NAME, national_id=NATIONAL_ID, phone=PHONE, household_number="H777"
        )
        registered = client.post("/v1/registrations", json=body)
        assert registered.status_code == 201, registered.text
        app_id = registered.json()["application_id"]
        me = {"Authorization": f"Bearer {registered.json()['access_token']}"}
        filing = {"category": "other", "subject": "Voucher", "description": COMPLAINT}
        assert (
            client.post(f"/v1/applications/{app_id}/grievances", json=filing, headers=me).status_code == 201
        )
        assert client.post("/v1/registrations", json=body).status_code == 409  # a refusal quoting nothing
        looked_up = client.post(
            "/v1/people/lookup", json={"national_id": NATIONAL_ID, "reason": "call"}, headers=creds.officer
        )
        assert looked_up.status_code == 200
        assert client.get(f"/v1/applications/{app_id}", headers=creds.officer).status_code == 200
        assert client.get(f"/v1/courses?provider={NAME}").status_code == 200

        def failing_statement(uow: Any, _ctx: Any, filed: Any) -> None:
            # A driver error whose message would quote the complaint as a parameter.
            uow.session.execute(text("INSERT INTO no_such_table (x) VALUES (:x)"), {"x": filed.description})

        monkeypatch.setattr(grievances, "file_grievance", failing_statement)
        forced = client.post(f"/v1/applications/{app_id}/grievances", json=filing, headers=me)
        assert forced.status_code == 500

        def failing_message(*_: Any) -> None:
            raise ValueError(f"cannot file {COMPLAINT} for {NAME}")

        monkeypatch.setattr(grievances, "file_grievance", failing_message)
        assert (
            client.post(f"/v1/applications/{app_id}/grievances", json=filing, headers=me).status_code == 500
        )
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    kinds = {getattr(r, "error", None) for r in errors}
    assert len(errors) == 2 and kinds in (
        {"ProgrammingError", "ValueError"},
        {"OperationalError", "ValueError"},
    )
    assert all(getattr(r, "route", "") == "/v1/applications/{application_id}/grievances" for r in errors)
    assert all("file_grievance" in (r.exc_text or "") for r in errors)  # the frames are kept
    lines = _lines(caplog)
    assert len(lines) > 20
    leaks = [(value, line[:300]) for line in lines for value in PERSONAL if value in line]
    assert not leaks, leaks


def test_redaction_masks_parameters_queries_numbers_and_addresses() -> None:
    line = (
        "GET /v1/courses?provider=Ana HTTP/1.1 (psycopg.errors.UndefinedTable) [SQL: SELECT 1]\n"
        "[parameters: {'x': 'a complaint ] with a bracket'}]\n(Background on this error at: x) "
        "1001019001010001 +6281234567890 ana@example.org 2025-01-06"
    )
    assert redact(line) == (
        "GET /v1/courses?[query hidden] HTTP/1.1 (psycopg.errors.UndefinedTable) [SQL: SELECT 1]\n"
        "[parameters hidden]\n(Background on this error at: x) "
        "[number hidden] [number hidden] [e-mail hidden] 2025-01-06"
    )


def test_an_exception_logged_by_any_code_keeps_its_frames_and_loses_its_message() -> None:
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "failed: %s", (None,), None)
    try:
        raise KeyError(NAME)
    except KeyError as error:
        record.args = (error,)
        record.exc_info = (KeyError, error, error.__traceback__)
    assert Redaction().filter(record)
    formatted = JsonLines().format(record)
    assert NAME not in formatted and "KeyError" in formatted and "test_an_exception_logged" in formatted


def test_the_server_log_configuration_writes_redacted_json_lines() -> None:
    config = log_config("warning")
    assert config["handlers"]["stderr"]["filters"] == ["redaction"]
    assert config["loggers"]["uvicorn.access"]["handlers"] == ["stderr"]
