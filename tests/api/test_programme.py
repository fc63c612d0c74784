"""``GET /v1/programme`` and the registration examples of the OpenAPI document, on the demo programmes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from skillsprogram.api import create_app
from skillsprogram.privacy import PersonalDataVault
from tests.api.conftest import api_settings
from tests.support.demo_programmes import DEMO_CONFIGS, started


def api(country: str, engine: Engine, vault: PersonalDataVault) -> TestClient:
    ctx = started(country, engine, vault)
    app = create_app(api_settings(programme=ctx.config.code), context=ctx)
    return TestClient(app, raise_server_exceptions=False)


def registration_example(client: TestClient, country: str) -> dict[str, Any]:
    operation = client.get("/v1/openapi.json").json()["paths"]["/v1/registrations"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) == 1, f"one example, the {country} programme's own"
    value: dict[str, Any] = next(iter(examples.values()))["value"]
    return value


@pytest.mark.parametrize("country", sorted(DEMO_CONFIGS))
def test_the_openapi_registration_example_of_each_demo_programme_is_accepted_by_it(
    engine: Engine, vault: PersonalDataVault, country: str
) -> None:
    with api(country, engine, vault) as client:
        response = client.post("/v1/registrations", json=registration_example(client, country))
    assert response.status_code == 201, response.text


def test_a_registration_missing_a_required_attribute_is_a_422_naming_it_and_can_be_retried(
    engine: Engine, vault: PersonalDataVault
) -> None:
    with api("indonesia", engine, vault) as client:
        body = registration_example(client, "indonesia")
        refused = client.post("/v1/registrations", json={**body, "attributes": {}})
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert (problem["code"], problem["field"]) == ("missing-attribute", "attributes.citizenship")
        assert client.post("/v1/registrations", json=body).status_code == 201


def test_the_programme_describes_itself_in_the_negotiated_language(
    engine: Engine, vault: PersonalDataVault
) -> None:
    with api("indonesia", engine, vault) as client:
        indonesian = client.get("/v1/programme", headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"})
        english = client.get("/v1/programme", headers={"Accept-Language": "fr, en-GB;q=0.8"})
        unmatched = client.get("/v1/programme", headers={"Accept-Language": "fr"})
    assert indonesian.status_code == 200 and indonesian.headers["content-language"] == "id"
    assert english.headers["content-language"] == "en" and unmatched.headers["content-language"] == "id"
    assert "public" in indonesian.headers["cache-control"] and indonesian.headers["vary"] == "Accept-Language"
    described = indonesian.json()
    assert (described["code"], described["currency"], described["locales"]) == (
        "prakerja-2023",
        "IDR",
        ["id", "en"],
    )
    regions = {r["code"]: r for r in described["regions"]}
    assert regions["32.04"] == {"code": "32.04", "name": "Kabupaten Bandung", "level": 2, "parent": "32"}
    attributes = {a["name"]: a for a in described["registration_attributes"]}
    citizenship = attributes["citizenship"]
    assert citizenship["required"] and citizenship["type"] == "string"
    assert citizenship["label"] == "Kewarganegaraan"
    assert [c["value"] for c in citizenship["choices"]] == ["ID", "other"]
    assert {a["label"] for a in english.json()["registration_attributes"]} >= {"Citizenship"}
    assert [s["code"] for s in described["surveys"]] and all(s["questions"] for s in described["surveys"])
    assert described["voucher"]["amount"] == 3_500_000
    assert {b["trigger"] for b in described["benefits"]} >= {"first_course_rated"}


def test_the_cambodian_programme_offers_its_levels_and_categories_in_khmer_or_english(
    engine: Engine, vault: PersonalDataVault
) -> None:
    with api("cambodia", engine, vault) as client:
        khmer = client.get("/v1/programme").json()
        english = client.get("/v1/programme", headers={"Accept-Language": "en"}).json()
    assert khmer["language"] == "km" and english["language"] == "en"
    attributes = {a["name"]: a for a in khmer["registration_attributes"]}
    assert attributes["nationality"]["required"] and attributes["nationality"]["label"] == "សញ្ជាតិ"
    assert [c["value"] for c in attributes["idpoor_level"]["choices"]] == [1, 2]
    categories = {a["name"]: a for a in english["registration_attributes"]}["vulnerable_category"]
    assert "orphan" in {c["value"] for c in categories["choices"]} and not categories["required"]
    assert len([r for r in khmer["regions"] if r["level"] == 1]) == 25
