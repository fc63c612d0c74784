"""The OpenAPI registration example comes from the programme's plugins, never from the core."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient

from skillsprogram.api.examples import add_registration_example, registration_body
from skillsprogram.plugin import RegistrationRequest


def test_the_example_of_the_programme_s_country_plugin_is_shown_on_the_registration_operation(
    client: TestClient,
) -> None:
    operation = client.get("/v1/openapi.json").json()["paths"]["/v1/registrations"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert list(examples) == ["testland-2025"]
    assert examples["testland-2025"]["value"]["full_name"] == "Person 7"


def test_a_programme_whose_plugins_give_no_example_shows_none() -> None:
    body: dict[str, Any] = {}
    operation = {"requestBody": {"content": {"application/json": body}}}
    schema = {"paths": {"/v1/registrations": {"post": operation}}}
    no_example = SimpleNamespace(skillsprogram_registration_example=lambda programme: None)
    add_registration_example(schema, SimpleNamespace(hook=no_example, config=None))  # type: ignore[arg-type]
    assert body == {}


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
