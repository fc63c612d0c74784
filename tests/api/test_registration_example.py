"""The OpenAPI registration example comes from the programme's plugins, never from the core."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from skillsprogram.api.examples import registration_body
from skillsprogram.plugin import RegistrationRequest


def test_a_programme_whose_plugins_give_no_example_shows_none(client: TestClient) -> None:
    operation = client.get("/v1/openapi.json").json()["paths"]["/v1/registrations"]["post"]
    assert "examples" not in operation["requestBody"]["content"]["application/json"]


def test_the_example_body_gives_consent_and_leaves_unset_fields_out() -> None:
    example = RegistrationRequest(
        national_id="1000001", full_name="A Person", birth_date=date(2000, 1, 2), sex="M", region_code="R1"
    )
    assert registration_body(example) == {
        "national_id": "1000001",
        "full_name": "A Person",
        "birth_date": "2000-01-02",
        "sex": "M",
        "region_code": "R1",
        "attributes": {},
        "consent": True,
    }
