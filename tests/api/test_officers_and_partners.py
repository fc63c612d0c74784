"""Officers, auditors and providers doing their jobs through the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from skillsprogram.api import create_app
from skillsprogram.context import ProgrammeContext
from skillsprogram.hooks.specs import hookimpl
from tests.api.conftest import Credentials, api_settings
from tests.api.helpers import course_id, register, to_vouchers


def test_a_provider_reaches_only_enrolments_in_its_own_courses(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    purchase = client.post(
        f"/v1/applications/{app_id}/purchases", json={"course_id": course_id(client, "T-WELD")}, headers=me
    ).json()
    theirs = client.post(
        "/v1/redemptions", json={"codes": [purchase["redeem_code"]]}, headers=creds.other_provider
    )
    assert theirs.json()["refused"] == 1
    assert theirs.json()["results"][0]["problem"]["code"] == "purchase-not-found"
    ours = client.post(
        "/v1/redemptions", json={"codes": [purchase["redeem_code"], "NOSUCHCODE"]}, headers=creds.provider
    ).json()
    assert [r["ok"] for r in ours["results"]] == [True, False]
    attendance = client.post(
        "/v1/attendance",
        json={"items": [{"purchase_id": purchase["id"], "period": "2025-02", "attendance_percent": 80}]},
        headers=creds.other_provider,
    )
    assert attendance.json()["accepted"] == 0


def test_platforms_and_providers_publish_only_their_own_courses(
    client: TestClient, creds: Credentials
) -> None:
    course = {
        "code": "T-BAKE",
        "title": "Baking",
        "field_of_study": "food",
        "mode": "offline",
        "price": 300_000,
        "provider_code": "p1",
        "provider_name": "Harbour Institute",
        "platform_code": "tm",
        "platform_name": "Testmarket",
    }
    assert client.post("/v1/courses", json=course, headers=creds.provider).status_code == 201
    assert (
        client.post(
            "/v1/courses", json={**course, "code": "T-OTHER"}, headers=creds.other_provider
        ).status_code
        == 403
    )
    platform = client.post("/v1/courses", json={**course, "code": "T-PASTRY"}, headers=creds.platform)
    assert platform.status_code == 201
    again = client.post("/v1/courses", json=course, headers=creds.provider)
    assert again.status_code == 409 and again.json()["code"] == "course-exists"
    codes = [c["code"] for c in client.get("/v1/courses", params={"provider": "p1"}).json()["items"]]
    assert {"T-BAKE", "T-PASTRY", "T-WELD"} <= set(codes)


def test_the_catalogue_pages_with_cursors_and_filters(client: TestClient) -> None:
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/courses", params=params).json()
        seen += [c["code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == ["T-CODE", "T-GOLD", "T-WELD"]
    online = client.get("/v1/courses", params={"mode": "online"}).json()["items"]
    assert [c["code"] for c in online] == ["T-CODE"]
    cheap = client.get("/v1/courses", params={"max_price": 500_000}).json()["items"]
    assert [c["code"] for c in cheap] == ["T-WELD"]


def test_a_complaint_is_filed_taken_up_and_answered(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    app_id, me = register(client, 1)
    filed = client.post(
        f"/v1/applications/{app_id}/grievances",
        json={"category": "identity", "subject": "name misspelt", "description": "my name has an accent"},
        headers=me,
    )
    assert filed.status_code == 201 and filed.json()["status"] == "open"
    grievance_id = filed.json()["id"]
    queue = client.get("/v1/grievances", params={"status": "open"}, headers=creds.officer).json()["items"]
    assert [g["id"] for g in queue] == [grievance_id]
    assert (
        client.post(f"/v1/grievances/{grievance_id}/review", headers=creds.officer).json()["status"]
        == "in_review"
    )
    answer = {"upheld": True, "resolution": "corrected with the registry"}
    answered = client.post(f"/v1/grievances/{grievance_id}/answer", json=answer, headers=creds.officer)
    assert answered.json()["status"] == "resolved"
    mine = client.get(f"/v1/applications/{app_id}/grievances/{grievance_id}", headers=me).json()
    assert mine["resolution"] == "corrected with the registry"
    closed = client.post(f"/v1/grievances/{grievance_id}/review", headers=creds.officer)
    assert closed.status_code == 409 and closed.json()["code"] == "invalid-grievance-transition"
    history = [
        e["action"] for e in client.get(f"/v1/applications/{app_id}/timeline", headers=me).json()["items"]
    ]
    assert history == ["registered", "grievance_filed", "grievance_in_review", "grievance_resolved"]


def test_a_look_up_by_national_id_is_audited_with_its_reason_found_or_not(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    app_id, _ = register(client, 1)
    found = client.post(
        "/v1/people/lookup", json={"national_id": "1000001", "reason": "call 42"}, headers=creds.officer
    )
    assert found.status_code == 200
    assert found.json()["national_id"] == "1000001"
    assert [a["id"] for a in found.json()["applications"]] == [app_id]
    missing = client.post(
        "/v1/people/lookup", json={"national_id": "1999999", "reason": "call 43"}, headers=creds.officer
    )
    assert missing.status_code == 404
    events = client.get("/v1/audit-events", params={"action": "person_looked_up"}, headers=creds.auditor)
    assert [(e["data"]["reason"], e["data"]["found"]) for e in events.json()["items"]] == [
        ("call 42", True),
        ("call 43", False),
    ]
    assert "1000001" not in events.text and "1999999" not in events.text


def test_officers_list_applications_without_personal_data_filtered_and_paged(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ids = [register(client, n)[0] for n in range(5)]
    page = client.get("/v1/applications", params={"limit": 2, "region": "10"}, headers=creds.officer).json()
    assert len(page["items"]) == 2 and page["next_cursor"] is not None
    rest = client.get(
        "/v1/applications",
        params={"limit": 50, "region": "10", "cursor": page["next_cursor"]},
        headers=creds.officer,
    ).json()
    north = {a["id"] for a in page["items"] + rest["items"]}
    assert north == {ids[n] for n in range(5) if n % 3}
    assert "national_id" not in str(page) and "Person" not in str(page)


def test_plugins_add_routes_through_the_hook(ctx: ProgrammeContext) -> None:
    router = APIRouter()

    @router.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "from a plugin"}

    class Plugin:
        @hookimpl
        def skillsprogram_api_routes(self, programme: object) -> list[APIRouter]:
            return [router]

    assert ctx.pm is not None
    ctx.pm.register(Plugin(), name="hello-routes")
    app: FastAPI = create_app(api_settings(), context=ctx)
    with TestClient(app) as client:
        assert client.get("/v1/hello").json() == {"hello": "from a plugin"}
        assert "/v1/hello" in client.get("/openapi.json").json()["paths"]


def test_waves_are_listed_in_order_filtered_by_status(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    from datetime import timedelta

    ctx.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    assert client.post("/v1/waves/1/closure", headers=creds.officer).status_code == 200
    opened = client.post("/v1/waves", json={}, headers=creds.officer)
    assert opened.status_code == 201 and opened.json()["number"] == 2
    first = client.get("/v1/waves", params={"limit": 1}, headers=creds.officer).json()
    assert [w["number"] for w in first["items"]] == [1]
    rest = client.get("/v1/waves", params={"cursor": first["next_cursor"]}, headers=creds.officer).json()
    assert [w["number"] for w in rest["items"]] == [2] and rest["next_cursor"] is None
    still_open = client.get("/v1/waves", params={"status": "open"}, headers=creds.officer).json()["items"]
    assert [w["number"] for w in still_open] == [2]
