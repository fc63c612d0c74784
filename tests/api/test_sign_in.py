"""Signing in again through HTTP, and the consent a registration agrees to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from skillsprogram.api import ApiSettings
from tests.api.conftest import api_settings
from tests.api.helpers import register, registration
from tests.support import testland


@pytest.fixture(autouse=True)
def outbox() -> Iterator[None]:
    testland.OUTBOX.clear()
    yield
    testland.OUTBOX.clear()


def ask_for_code(client: TestClient, index: int) -> dict[str, object]:
    body = registration(index)
    answer = client.post(
        "/v1/auth/sign-in-codes", json={"national_id": body["national_id"], "birth_date": body["birth_date"]}
    )
    assert answer.status_code == 202, answer.text
    sent: dict[str, object] = answer.json()
    return sent


def test_a_code_asked_for_and_sent_back_gives_the_applicants_tokens(client: TestClient) -> None:
    application_id, _ = register(client, 1)
    challenge = ask_for_code(client, 1)
    assert challenge["contact"] == "phone" and challenge["expires_in"] == 600
    code = testland.OUTBOX[-1].values["code"]
    answer = client.post("/v1/auth/sign-in", json={"challenge": challenge["challenge"], "code": code})
    assert answer.status_code == 200, answer.text
    signed_in = answer.json()
    assert signed_in["application_id"] == application_id
    mine = client.get(
        f"/v1/applications/{application_id}", headers={"Authorization": f"Bearer {signed_in['access_token']}"}
    )
    assert mine.status_code == 200
    again = client.post("/v1/auth/sign-in", json={"challenge": challenge["challenge"], "code": code})
    assert again.status_code == 422 and again.json()["code"] == "invalid-sign-in-code"


def test_asking_for_a_code_answers_alike_for_a_registered_person_and_for_no_one(client: TestClient) -> None:
    register(client, 1)
    known, unknown = ask_for_code(client, 1), ask_for_code(client, 2)
    assert set(known) == set(unknown) and known["challenge"] != unknown["challenge"]
    assert {k: v for k, v in known.items() if k != "challenge"} == {
        k: v for k, v in unknown.items() if k != "challenge"
    }


def test_a_wrong_code_is_a_422_naming_the_code_field(client: TestClient) -> None:
    register(client, 1)
    challenge = ask_for_code(client, 1)
    code = testland.OUTBOX[-1].values["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answer = client.post("/v1/auth/sign-in", json={"challenge": challenge["challenge"], "code": wrong})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "invalid-sign-in-code" and problem["field"] == "code"


def test_a_request_for_a_code_needs_an_identity_or_a_contact_but_not_both(client: TestClient) -> None:
    assert client.post("/v1/auth/sign-in-codes", json={"national_id": "1000001"}).status_code == 422
    both = {"national_id": "1000001", "birth_date": "1991-01-01", "contact": "+9900000001"}
    assert client.post("/v1/auth/sign-in-codes", json=both).status_code == 422


@pytest.mark.parametrize("settings", [api_settings(sign_in_limit=2)])
def test_sign_in_requests_beyond_the_clients_limit_are_a_429_with_retry_after(
    client: TestClient, settings: ApiSettings
) -> None:
    ask_for_code(client, 1)
    ask_for_code(client, 2)
    answer = client.post("/v1/auth/sign-in-codes", json={"contact": "+9900000003"})
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) >= 1


def test_the_programme_shows_its_consent_statement_and_how_people_sign_in(client: TestClient) -> None:
    described = client.get("/v1/programme").json()
    assert described["consent"]["version"] == "testland-2025-01"
    assert described["consent"]["language"] == "en"
    assert "five years" in described["consent"]["retention"]
    assert described["sign_in"] == {"contact": "phone", "code_minutes": 10}


def test_a_registration_agreeing_to_another_consent_version_is_a_422(client: TestClient) -> None:
    answer = client.post("/v1/registrations", json=registration(1, consent_version="testland-2024-01"))
    assert answer.status_code == 422
    assert answer.json()["code"] == "consent-version-mismatch"
    current = client.post("/v1/registrations", json=registration(1, consent_version="testland-2025-01"))
    assert current.status_code == 201


def test_the_openapi_document_describes_the_sign_in_routes(client: TestClient) -> None:
    paths = client.get("/v1/openapi.json").json()["paths"]
    codes = paths["/v1/auth/sign-in-codes"]["post"]
    assert "202" in codes["responses"] and "429" in codes["responses"]
    assert "422" in paths["/v1/auth/sign-in"]["post"]["responses"]


def test_a_registration_in_a_language_the_programme_does_not_offer_is_a_422(client: TestClient) -> None:
    answer = client.post("/v1/registrations", json=registration(1, locale="fr"))
    assert answer.status_code == 422 and answer.json()["code"] == "unknown-locale"
    assert client.post("/v1/registrations", json=registration(1, locale="en")).status_code == 201
