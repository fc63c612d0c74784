"""Platforms and providers managing their own courses and reading their enrolments."""

from __future__ import annotations

from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials
from tests.api.helpers import course_id, to_vouchers


def test_a_provider_changes_the_price_and_description_of_its_course_and_a_purchase_keeps_its_price(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    weld = course_id(client, "T-WELD")
    bought = client.post(f"/v1/applications/{app_id}/purchases", json={"course_id": weld}, headers=me).json()
    changed = client.patch(
        f"/v1/courses/{weld}",
        json={"price": 450_000, "description": "Six weeks of arc welding."},
        headers=creds.provider,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["price"] == 450_000 and changed.json()["on_sale"] is True
    listed = next(c for c in client.get("/v1/courses").json()["items"] if c["id"] == weld)
    assert listed["description"] == "Six weeks of arc welding." and listed["price"] == 450_000
    purchases = client.get(f"/v1/applications/{app_id}/purchases", headers=me).json()["items"]
    assert [p["price"] for p in purchases if p["id"] == bought["id"]] == [400_000]
    actions = client.get("/v1/audit-events", params={"action": "course_changed"}, headers=creds.auditor)
    assert [e["entity_id"] for e in actions.json()["items"]] == [weld]


def test_another_organisations_course_cannot_be_changed_or_withdrawn_and_is_not_listed(
    client: TestClient, creds: Credentials
) -> None:
    coding = course_id(client, "T-CODE")  # p2's
    assert client.patch(f"/v1/courses/{coding}", json={"price": 1}, headers=creds.provider).status_code == 404
    refused = client.post(f"/v1/courses/{coding}/withdrawal", headers=creds.provider)
    assert refused.status_code == 404 and refused.json()["code"] == "course-not-found"
    mine = client.get("/v1/organisation/courses", headers=creds.provider).json()["items"]
    assert "T-CODE" not in [c["code"] for c in mine] and "T-WELD" in [c["code"] for c in mine]
    sold = client.get("/v1/organisation/courses", headers=creds.platform).json()["items"]
    assert {"T-CODE", "T-WELD"} <= {c["code"] for c in sold}


def test_a_withdrawn_course_is_not_sold_but_its_purchases_are_still_redeemed(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    (first, second) = to_vouchers(client, ctx, creds, 2)
    weld = course_id(client, "T-WELD")
    bought = client.post(
        f"/v1/applications/{first[0]}/purchases", json={"course_id": weld}, headers=first[1]
    ).json()
    withdrawn = client.post(f"/v1/courses/{weld}/withdrawal", headers=creds.provider)
    assert withdrawn.status_code == 200 and withdrawn.json()["on_sale"] is False
    assert client.post(f"/v1/courses/{weld}/withdrawal", headers=creds.provider).status_code == 200
    assert weld not in [c["id"] for c in client.get("/v1/courses").json()["items"]]
    late = client.post(f"/v1/applications/{second[0]}/purchases", json={"course_id": weld}, headers=second[1])
    assert late.status_code == 404 and late.json()["code"] == "course-not-found"
    again = client.patch(f"/v1/courses/{weld}", json={"price": 1}, headers=creds.provider)
    assert again.status_code == 409 and again.json()["code"] == "course-withdrawn"
    redeemed = client.post("/v1/redemptions", json={"codes": [bought["redeem_code"]]}, headers=creds.provider)
    assert redeemed.json()["accepted"] == 1
    events = client.get("/v1/audit-events", params={"action": "course_withdrawn"}, headers=creds.auditor)
    assert len(events.json()["items"]) == 1


def test_enrolments_list_only_the_callers_courses_by_course_and_state_and_the_figures_count_them(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    people = to_vouchers(client, ctx, creds, 2)
    weld, coding = course_id(client, "T-WELD"), course_id(client, "T-CODE")
    bought = [
        client.post(f"/v1/applications/{app_id}/purchases", json={"course_id": course}, headers=me).json()
        for (app_id, me), course in zip(people, (weld, coding), strict=True)
    ]
    client.post("/v1/redemptions", json={"codes": [bought[0]["redeem_code"]]}, headers=creds.provider)
    mine = client.get("/v1/enrolments", headers=creds.provider).json()
    assert [(e["id"], e["status"], e["course_code"]) for e in mine["items"]] == [
        (bought[0]["id"], "redeemed", "T-WELD")
    ]
    theirs = client.get("/v1/enrolments", params={"status": "purchased"}, headers=creds.other_provider).json()
    assert [e["id"] for e in theirs["items"]] == [bought[1]["id"]]
    assert client.get("/v1/enrolments", params={"course_id": weld}, headers=creds.other_provider).json() == {
        "items": [],
        "next_cursor": None,
    }
    sold = client.get("/v1/enrolments", params={"limit": 1}, headers=creds.platform).json()
    assert len(sold["items"]) == 1 and sold["next_cursor"] is not None
    figures = client.get("/v1/organisation", headers=creds.provider).json()
    assert figures["enrolments"] == {"purchased": 0, "redeemed": 1, "completed": 0, "cancelled": 0}
    assert figures["courses_withdrawn"] == 0 and figures["courses_on_sale"] >= 1
