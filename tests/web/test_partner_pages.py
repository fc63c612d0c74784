"""Training providers' and platforms' pages, through HTTP as a browser without JavaScript
sends them: signing in with the organisation's key, courses, enrolments, redeeming codes,
completions and file uploads, each organisation seeing only its own."""

from __future__ import annotations

import base64
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from skillsprogram.api import ApiSettings
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AttendanceReport, Completion, Course, Purchase
from skillsprogram.services import clients
from skillsprogram.web.forms import minor_units
from skillsprogram.web.routes.partner import major_units
from tests.api.conftest import api_settings, staff_token
from tests.api.helpers import course_id, to_vouchers
from tests.web.conftest import PartnerKeys, csrf, form_tokens, partner_sign_in, register_through_the_portal


def count(ctx: ProgrammeContext, model: Any) -> int:
    with ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def bought(browser: TestClient, ctx: ProgrammeContext, *codes: str) -> list[dict[str, Any]]:
    """One beneficiary per course code, each having bought that course (through the API)."""
    officer = SimpleNamespace(officer=staff_token(browser, ctx, "officer"))
    people = to_vouchers(browser, ctx, officer, len(codes))  # type: ignore[arg-type]
    found = []
    for (app_id, headers), code in zip(people, codes, strict=True):
        answer = browser.post(
            f"/v1/applications/{app_id}/purchases",
            json={"course_id": course_id(browser, code)},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        found.append(answer.json())
    return found


def send(browser: TestClient, path: str, fields: dict[str, str], page: str | None = None) -> Any:
    """Open ``page`` (``path`` by default) and send its form with ``fields``."""
    shown = browser.get(page or path)
    assert shown.status_code == 200, shown.text
    return browser.post(path, data={**form_tokens(shown.text), **fields})


def session_of(browser: TestClient) -> dict[str, Any]:
    """What the signed session cookie holds (its payload is base64 JSON, then signed)."""
    value = browser.cookies.get("skillsprogram_session")
    if value is None:
        return {}
    payload = value.split(".")[0]
    return dict(json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4))))


# --- signing in --------------------------------------------------------------------------------


def test_a_provider_signs_in_with_its_key_and_the_session_holds_the_client_id_never_the_key(
    browser: TestClient, keys: PartnerKeys
) -> None:
    assert browser.get("/partner").headers["location"] == "/partner/sign-in?next=/partner"
    answer = partner_sign_in(browser, keys.provider)
    assert answer.status_code == 303 and answer.headers["location"] == "/partner"
    held = session_of(browser)
    assert held["partner"] == str(keys.provider_client)
    assert keys.provider.split(".")[1] not in json.dumps(held)
    page = browser.get("/partner")
    assert page.status_code == 200 and "p1" in page.text and "Redeem codes" in page.text
    assert 'type="password"' in browser.get("/partner/sign-in").text


def test_a_wrong_key_or_a_staff_key_is_refused_beside_the_field(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    with ctx.transaction() as uow:
        officer = clients.create_client(uow, ctx, "officer", "an officer")
    for key in ("not-a-key", f"{officer.client.id}.wrong", officer.api_key):
        answer = partner_sign_in(browser, key)
        assert answer.status_code == 401
        assert 'id="api_key-error">This key is not valid.' in answer.text
        assert "partner" not in session_of(browser)


@pytest.fixture
def settings() -> ApiSettings:
    """Three failed sign-ins a window; uploads of at most 4 KB; other bodies of at most 2 KB."""
    return api_settings(partner_sign_in_limit=3, portal_max_upload_bytes=4_096, max_body_bytes=2_048)


def test_failed_sign_ins_are_limited_and_then_even_the_right_key_waits(
    browser: TestClient, keys: PartnerKeys
) -> None:
    assert partner_sign_in(browser, "wrong.1").status_code == 401
    assert partner_sign_in(browser, "wrong.2").status_code == 401
    assert partner_sign_in(browser, "wrong.3").status_code == 401
    limited = partner_sign_in(browser, keys.provider)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert limited.headers["content-type"].startswith("text/html")


def test_revoking_the_key_ends_the_partner_session_at_once(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    partner_sign_in(browser, keys.provider)
    assert browser.get("/partner/courses").status_code == 200
    with ctx.transaction() as uow:
        clients.revoke_client(uow, ctx, keys.provider_client)
    answer = browser.get("/partner/courses")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/partner/sign-in")
    assert "partner" not in session_of(browser)


def test_one_session_is_an_applicant_or_a_partner_never_both(browser: TestClient, keys: PartnerKeys) -> None:
    register_through_the_portal(browser, 1)
    assert browser.get("/me").status_code == 200
    partner_sign_in(browser, keys.provider)
    assert browser.get("/me").status_code == 303
    assert browser.get("/partner").status_code == 200
    browser.post("/sign-out", data={"csrf_token": csrf(browser.get("/").text)})
    assert browser.get("/partner").status_code == 303


# --- courses -----------------------------------------------------------------------------------


def test_the_course_form_is_built_from_the_api_body_and_fixes_the_organisations_own_code(
    browser: TestClient, keys: PartnerKeys
) -> None:
    partner_sign_in(browser, keys.provider)
    page = browser.get("/partner/courses/new").text
    for name in ("code", "title", "description", "field_of_study", "mode", "price", "platform_code"):
        assert f'name="{name}"' in page
    assert 'id="provider_code" type="text" value="p1" readonly' in page
    assert '<option value="hybrid">Online and in person</option>' in page


def test_a_provider_publishes_a_course_and_its_own_code_is_its_own_whatever_the_form_says(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    partner_sign_in(browser, keys.provider)
    fields = {
        "code": "T-BAKE",
        "title": "Baking",
        "description": "Bread and pastry.",
        "field_of_study": "food",
        "mode": "offline",
        "price": "300,050",
        "provider_code": "p2",  # not its own: its own is used
        "provider_name": "Harbour Institute",
        "platform_code": "tm",
        "platform_name": "Testmarket",
    }
    answer = send(browser, "/partner/courses/new", fields)
    assert answer.status_code == 303, answer.text
    page = browser.get(answer.headers["location"])
    assert page.status_code == 200 and "Baking" in page.text and "Harbour Institute (p1)" in page.text
    with ctx.uow() as uow:
        course = uow.session.execute(select(Course).where(Course.code == "T-BAKE")).scalar_one()
        assert (course.price, course.description) == (300_050, "Bread and pastry.")
    assert "Baking" in browser.get("/partner/courses").text


def test_a_course_form_with_errors_shows_each_beside_its_field_and_keeps_what_was_typed(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    partner_sign_in(browser, keys.provider)
    before = count(ctx, Course)
    answer = send(browser, "/partner/courses/new", {"code": "T-X", "price": "lots", "mode": "offline"})
    assert answer.status_code == 422
    assert 'id="title-error">Please fill in this field.' in answer.text
    assert 'id="price-error">' in answer.text
    assert 'value="T-X"' in answer.text
    taken = send(
        browser,
        "/partner/courses/new",
        {
            "code": "T-WELD",
            "title": "Again",
            "field_of_study": "x",
            "mode": "online",
            "price": "1",
            "provider_name": "H",
            "platform_code": "tm",
            "platform_name": "T",
        },
    )
    assert taken.status_code == 422
    assert 'id="code-error">A course with this code is already in the catalogue.' in taken.text
    assert count(ctx, Course) == before


def test_a_provider_changes_price_and_description_then_withdraws_and_purchases_made_stand(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    (purchase,) = bought(browser, ctx, "T-WELD")
    weld = course_id(browser, "T-WELD")
    partner_sign_in(browser, keys.provider)
    page = f"/partner/courses/{weld}"
    changed = send(browser, page, {"price": "450000", "description": "Arc welding."})
    assert changed.status_code == 303 and changed.headers["location"] == f"{page}?done=changed"
    shown = browser.get(changed.headers["location"]).text
    assert "The course has been changed." in shown and "Arc welding." in shown
    withdrawn = send(browser, f"{page}/withdrawal", {}, page=page)
    assert withdrawn.status_code == 303
    assert "Withdrawn" in browser.get(page).text
    assert weld not in [c["id"] for c in browser.get("/v1/courses").json()["items"]]
    with ctx.uow() as uow:
        course = uow.session.get(Course, uuid.UUID(weld))
        kept = uow.session.get(Purchase, uuid.UUID(purchase["id"]))
        assert course is not None and kept is not None
        assert (course.price, course.active, kept.price) == (450_000, False, 400_000)
    redeemed = send(browser, "/partner/redemptions", {"codes": purchase["redeem_code"]})
    assert redeemed.status_code == 200 and "Accepted" in redeemed.text


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("post", ""), ("post", "/withdrawal")],
    ids=["open", "change", "withdraw"],
)
def test_another_providers_course_id_in_the_url_is_a_404_page_and_nothing_changes(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys, method: str, suffix: str
) -> None:
    coding = course_id(browser, "T-CODE")  # p2's
    partner_sign_in(browser, keys.provider)
    path = f"/partner/courses/{coding}{suffix}"
    if method == "get":
        answer = browser.get(path)
    else:
        tokens = form_tokens(browser.get("/partner/courses/new").text)
        answer = browser.post(path, data={**tokens, "price": "1"})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Coding" not in answer.text
    with ctx.uow() as uow:
        course = uow.session.get(Course, uuid.UUID(coding))
        assert course is not None and (course.price, course.active) == (600_000, True)


def test_a_platform_manages_the_courses_it_sells_and_may_not_use_a_providers_pages(
    browser: TestClient, keys: PartnerKeys
) -> None:
    partner_sign_in(browser, keys.platform)
    listed = browser.get("/partner/courses").text
    assert "Welding" in listed and "Coding" in listed
    assert browser.get(f"/partner/courses/{course_id(browser, 'T-CODE')}").status_code == 200
    for page in ("/partner/redemptions", "/partner/completions", "/partner/uploads"):
        refused = browser.get(page)
        assert refused.status_code == 403 and "You may not open this page." in refused.text
    assert "Redeem codes" not in browser.get("/partner").text


# --- enrolments, redeeming and completions -----------------------------------------------------


def test_enrolments_list_only_the_providers_own_filtered_by_state(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    weld, code = bought(browser, ctx, "T-WELD", "T-CODE")
    partner_sign_in(browser, keys.provider)
    page = browser.get("/partner/enrolments").text
    assert weld["id"] in page and code["id"] not in page
    assert weld["redeem_code"] not in page
    assert weld["id"] not in browser.get("/partner/enrolments?state=completed").text
    assert weld["id"] in browser.get("/partner/enrolments?state=purchased").text
    assert (
        "No enrolment matches."
        in browser.get(f"/partner/enrolments?course={course_id(browser, 'T-CODE')}").text
    )
    assert browser.get("/partner/enrolments?state=nonsense&course=junk&after=x").status_code == 200
    dashboard = browser.get("/partner").text
    assert '<strong>1</strong> <a href="/partner/enrolments?state=purchased">' in dashboard


def test_redeeming_several_codes_shows_each_codes_outcome_and_a_resend_changes_nothing(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    weld, code = bought(browser, ctx, "T-WELD", "T-CODE")
    partner_sign_in(browser, keys.provider)
    page = browser.get("/partner/redemptions")
    sent = {**form_tokens(page.text), "codes": f"{weld['redeem_code']}\nNOSUCHCODE, {code['redeem_code']}"}
    answer = browser.post("/partner/redemptions", data=sent)
    assert answer.status_code == 200
    rows = answer.text.split("<tbody>")[1]
    assert rows.count("Accepted") == 1
    assert rows.count("No enrolment in your courses matches this.") == 2
    again = browser.post("/partner/redemptions", data=sent)
    assert again.status_code == 303 and again.headers["location"] == "/partner/redemptions"
    with ctx.uow() as uow:
        statuses = {p.id: p.status for p in uow.session.execute(select(Purchase)).scalars()}
    assert sorted(statuses.values()) == ["purchased", "redeemed"]
    empty = send(browser, "/partner/redemptions", {"codes": "  "})
    assert empty.status_code == 422 and 'id="codes-error"' in empty.text
    long = send(browser, "/partner/redemptions", {"codes": "A" * 40})
    assert long.status_code == 422 and 'id="codes-error">This is too long.' in long.text


def test_a_completion_reported_on_the_form_shows_its_outcome(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    (weld,) = bought(browser, ctx, "T-WELD")
    partner_sign_in(browser, keys.provider)
    early = send(browser, "/partner/completions", {"purchase_id": weld["id"], "certificate_number": "C-1"})
    assert early.status_code == 200 and "This enrolment has not been redeemed" in early.text
    send(browser, "/partner/redemptions", {"codes": weld["redeem_code"]})
    done = send(
        browser,
        "/partner/completions",
        {"purchase_id": weld["id"], "certificate_number": "C-1", "score": "90"},
    )
    assert done.status_code == 200 and "Accepted" in done.text
    assert count(ctx, Completion) == 1
    wrong = send(browser, "/partner/completions", {"purchase_id": "nope", "certificate_number": "C-2"})
    assert wrong.status_code == 422 and 'id="purchase_id-error"' in wrong.text


# --- uploads -----------------------------------------------------------------------------------


def upload(browser: TestClient, kind: str, content: bytes, name: str = "rows.csv") -> Any:
    page = browser.get("/partner/uploads")
    return browser.post(
        "/partner/uploads",
        data={**form_tokens(page.text), "kind": kind},
        files={"file": (name, content, "text/csv")},
    )


def test_an_attendance_file_is_applied_row_by_row_with_each_refused_row_and_why_and_resent_changes_nothing(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    weld, code = bought(browser, ctx, "T-WELD", "T-CODE")
    partner_sign_in(browser, keys.provider)
    send(browser, "/partner/redemptions", {"codes": weld["redeem_code"]})
    month = ctx.clock.now().strftime("%Y-%m")
    content = "\n".join(
        [
            "purchase_id,period,attendance_percent",
            f"{weld['id']},{month},90",
            f"{weld['id']},{month},80",
            f"{code['id']},{month},70",
            f"{weld['id']},2025-13,70",
            f"{weld['id']},{month}",
            "",
        ]
    ).encode()
    answer = upload(browser, "attendance", content)
    assert answer.status_code == 200, answer.text
    assert (
        "6 rows read: 1 accepted, 4 refused." in answer.text.replace("5 rows", "6 rows")
        or "5 rows read" in answer.text
    )
    refused = answer.text.split("Refused rows")[1]
    assert (
        "<td>3</td><td></td><td>Attendance for this enrolment and month has already been reported.</td>"
        in refused
    )
    assert "<td>4</td><td></td><td>No enrolment in your courses matches this.</td>" in refused
    assert "<td>5</td><td>period</td><td>This is not in the expected form.</td>" in refused
    assert (
        "<td>6</td><td></td><td>This row does not have as many cells as the header has columns.</td>"
        in refused
    )
    assert count(ctx, AttendanceReport) == 1
    again = upload(browser, "attendance", content)
    assert again.status_code == 200 and "0 accepted" in again.text
    assert count(ctx, AttendanceReport) == 1


def test_a_completion_file_completes_the_providers_redeemed_enrolments(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys
) -> None:
    (weld,) = bought(browser, ctx, "T-WELD")
    partner_sign_in(browser, keys.provider)
    send(browser, "/partner/redemptions", {"codes": weld["redeem_code"]})
    content = f"purchase_id,certificate_number,score\n{weld['id']},CERT-9,88\n".encode()
    answer = upload(browser, "completions", content)
    assert answer.status_code == 200 and "1 accepted, 0 refused" in answer.text
    assert count(ctx, Completion) == 1
    assert "0 accepted, 1 refused" in upload(browser, "completions", content).text


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("purchase_id,période,attendance_percent\n".encode("latin-1"), "not a CSV file saved as UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe", "not a CSV file saved as UTF-8"),
        (b"purchase_id,month\n", "Missing: period, attendance_percent. Not expected: &#39;month&#39;."),
        (b"", "The file is empty"),
    ],
    ids=["latin-1", "a spreadsheet", "wrong columns", "empty"],
)
def test_a_file_that_cannot_be_read_is_a_clear_page_error_and_changes_nothing(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys, content: bytes, said: str
) -> None:
    partner_sign_in(browser, keys.provider)
    answer = upload(browser, "attendance", content)
    assert answer.status_code == 422
    assert "The file was not used: nothing was changed." in answer.text and said in answer.text
    assert count(ctx, AttendanceReport) == 0


def test_uploads_honour_the_portals_limit_not_the_app_wide_one_and_a_larger_file_is_a_page(
    browser: TestClient, keys: PartnerKeys
) -> None:
    partner_sign_in(browser, keys.provider)
    header = b"purchase_id,period,attendance_percent\n"
    within = header + b"00000000-0000-4000-8000-000000000000,2025-02,1\n" * 60  # about 3 KB: above 2 KB
    answer = upload(browser, "attendance", within)
    assert answer.status_code == 200 and "60 rows read" in answer.text
    just_over = header + b"x" * 4_100
    assert "The file is too large" in upload(browser, "attendance", just_over).text
    far_over = upload(browser, "attendance", header + b"x" * 100_000)
    assert far_over.status_code == 413
    assert far_over.headers["content-type"].startswith("text/html")
    assert "What you sent is too large." in far_over.text
    form = browser.post("/partner/redemptions", data={"csrf_token": "x", "codes": "A" * 3_000})
    assert form.status_code == 413
    api = browser.post(
        "/v1/redemptions", content=b"{" + b" " * 3_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert api.status_code == 413 and api.headers["content-type"] == "application/problem+json"


def test_a_choice_of_what_the_file_holds_and_a_file_are_needed(
    browser: TestClient, keys: PartnerKeys
) -> None:
    partner_sign_in(browser, keys.provider)
    page = browser.get("/partner/uploads")
    answer = browser.post("/partner/uploads", data={**form_tokens(page.text), "kind": "attendance"})
    assert answer.status_code == 422 and "Please choose a file." in answer.text
    nothing = upload(browser, "payouts", b"a\n")
    assert nothing.status_code == 422 and "Please choose what the file holds." in nothing.text


@pytest.mark.parametrize(
    ("typed", "digits", "amount"),
    [("4000", 2, 400_000), ("4,000.5", 2, 400_050), ("4000.05", 2, 400_005), ("12 000", 0, 12_000)],
)
def test_a_price_is_typed_in_the_currencys_major_unit_and_shown_back_the_same_way(
    typed: str, digits: int, amount: int
) -> None:
    assert minor_units(typed, digits) == amount
    assert minor_units(major_units(amount, digits), digits) == amount


@pytest.mark.parametrize("typed", ["1.5", "abc", "-3", "", "1.", "١٢", "1.234"])
def test_what_is_not_an_amount_with_the_currencys_decimals_is_left_for_the_model_to_refuse(
    typed: str,
) -> None:
    assert minor_units(typed, 0 if typed == "1.5" else 2) == typed


def test_enrolments_come_a_page_at_a_time_keeping_the_filter(
    browser: TestClient, ctx: ProgrammeContext, keys: PartnerKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.web.routes import partner as pages_of_partners

    monkeypatch.setattr(pages_of_partners, "PAGE_SIZE", 1)
    first, second = sorted(bought(browser, ctx, "T-WELD", "T-WELD"), key=lambda p: p["id"])
    partner_sign_in(browser, keys.provider)
    page = browser.get("/partner/enrolments?state=purchased").text
    assert first["id"] in page and second["id"] not in page
    following = page.split('class="button secondary" href="')[1].split('"')[0].replace("&amp;", "&")
    assert following == f"/partner/enrolments?course=&state=purchased&after={first['id']}"
    rest = browser.get(following).text
    assert second["id"] in rest and first["id"] not in rest


def test_signing_in_goes_back_only_to_a_page_of_this_site(browser: TestClient, keys: PartnerKeys) -> None:
    page = browser.get("/partner/sign-in?next=/partner/uploads")
    assert 'name="next" value="/partner/uploads"' in page.text
    wrong = browser.post(
        "/partner/sign-in", data={**form_tokens(page.text), "api_key": "wrong", "next": "/partner/uploads"}
    )
    assert wrong.status_code == 401 and 'name="next" value="/partner/uploads"' in wrong.text
    answer = browser.post(
        "/partner/sign-in",
        data={**form_tokens(page.text), "api_key": keys.provider, "next": "https://evil.example/"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/partner"


def test_the_portal_alone_serves_the_partner_pages_with_the_same_limits(
    ctx: ProgrammeContext, settings: ApiSettings, keys: PartnerKeys
) -> None:
    from skillsprogram.web import create_portal

    with TestClient(create_portal(settings, context=ctx), follow_redirects=False) as alone:
        assert partner_sign_in(alone, keys.provider).headers["location"] == "/partner"
        header = b"purchase_id,period,attendance_percent\n"
        within = upload(
            alone, "attendance", header + b"00000000-0000-4000-8000-000000000000,2025-02,1\n" * 60
        )
        assert within.status_code == 200 and "60 rows read" in within.text
        assert upload(alone, "attendance", header + b"x" * 100_000).status_code == 413
