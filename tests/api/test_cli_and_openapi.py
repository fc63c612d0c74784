"""``skillsprogram serve`` and ``skillsprogram clients``, and the OpenAPI document."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from skillsprogram.api.serving import MAX_HEADER_BYTES, HeaderDeadline
from skillsprogram.cli.main import app as cli
from skillsprogram.context import ProgrammeContext
from tests.api.conftest import SECRET


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_logging() -> Iterator[None]:
    """Puts back the loggers that serve's logging configuration replaces (its handlers write
    to a stream the test runner closes)."""
    names = ("uvicorn", "uvicorn.access", "uvicorn.error", "skillsprogram")
    saved = {
        n: (list(logging.getLogger(n).handlers), logging.getLogger(n).propagate, logging.getLogger(n).level)
        for n in names
    }
    yield
    for name, (handlers, propagate, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate, logger.level = propagate, level


def test_serve_runs_the_api_of_the_programme_on_the_configured_database(
    ctx: ProgrammeContext, database_url: str, monkeypatch: pytest.MonkeyPatch, server_logging: None
) -> None:
    import uvicorn

    served: dict[str, Any] = {}

    def run(server: uvicorn.Server, sockets: list[socket.socket]) -> None:
        served.update(config=server.config, address=sockets[0].getsockname())
        sockets[0].close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", SECRET)
    port = _free_port()
    result = CliRunner().invoke(
        cli,
        [
            "serve",
            "-p",
            "testland-2025",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert served["address"] == ("127.0.0.1", port)
    assert f"http://127.0.0.1:{port}/v1" in result.output
    config = served["config"]
    assert config.http is HeaderDeadline and config.h11_max_incomplete_event_size == MAX_HEADER_BYTES
    assert config.timeout_keep_alive > 0 and config.limit_concurrency and not config.server_header
    with TestClient(config.app) as client:
        document = client.get("/openapi.json").json()
        assert document["info"]["title"].startswith("Testland Skills 2025")
        assert client.get("/v1/courses").json()["items"]


def test_serve_on_a_busy_port_says_so_in_one_line_and_prints_no_address(
    ctx: ProgrammeContext, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", SECRET)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = CliRunner().invoke(
            cli,
            ["serve", "-p", "testland-2025", "--port", str(port), "--database-url", database_url],
        )
    assert result.exit_code == 2, result.output
    assert f"port {port} is in use" in result.output
    assert "http://" not in result.output and len(result.output.strip().splitlines()) == 1


def test_serve_refuses_a_programme_that_was_never_started(
    database_url: str, ctx: ProgrammeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", SECRET)
    result = CliRunner().invoke(cli, ["serve", "-p", "nowhere", "--database-url", database_url])
    assert result.exit_code == 2 and "no programme 'nowhere'" in result.output


def test_clients_create_prints_a_key_that_the_api_accepts(
    ctx: ProgrammeContext, database_url: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", SECRET)
    result = CliRunner().invoke(
        cli,
        [
            "clients",
            "create",
            "-p",
            "testland-2025",
            "--role",
            "provider",
            "--name",
            "Harbour",
            "--owner",
            "p1",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    key = next(line.split()[-1] for line in result.output.splitlines() if line.startswith("X-API-Key"))
    response = client.post("/v1/redemptions", json={"codes": ["NOSUCHCODE"]}, headers={"X-API-Key": key})
    assert response.status_code == 200 and response.json()["refused"] == 1
    listed = CliRunner().invoke(
        cli, ["clients", "list", "-p", "testland-2025", "--database-url", database_url]
    )
    assert "Harbour" in listed.output and key.split(".")[1] not in listed.output


def test_the_openapi_document_is_versioned_complete_and_has_examples(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document == client.get("/v1/openapi.json").json()
    paths = document["paths"]
    assert paths and all(path.startswith("/v1/") for path in paths)
    operations = [(m, p, op) for p, ops in paths.items() for m, op in ops.items()]
    assert len(operations) >= 35
    for method, path, op in operations:
        assert op.get("summary") and op.get("description"), (method, path)
        assert op.get("tags"), (method, path)
        codes = {int(c) for c in op["responses"]}
        assert any(200 <= c < 300 for c in codes), (method, path)
        for code, response in op["responses"].items():
            if int(code) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (method, path, code)
        if method in ("post", "put", "patch", "delete"):
            assert any(p["name"] == "Idempotency-Key" for p in op.get("parameters", [])), (method, path)
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"OAuth2", "ApiKey", "RailSignature"}
    assert "applicant" in schemes["OAuth2"]["flows"]["clientCredentials"]["scopes"]
    examples = [name for name, schema in document["components"]["schemas"].items() if "examples" in schema]
    assert {"ClientIn", "PurchaseIn", "CourseIn", "CompletionsIn", "RailCallbackIn"} <= set(examples)
    # The registration example is the programme's own (its country plugin gives it).
    registration = paths["/v1/registrations"]["post"]["requestBody"]["content"]["application/json"]
    (example,) = registration["examples"].values()
    assert example["value"]["region_code"] == "10.01" and example["value"]["consent"] is True
