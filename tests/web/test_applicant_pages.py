"""The applicant's pages after the draw: the catalogue, buying, the voucher, rating, surveys,
payment accounts and complaints, through HTTP as a browser without JavaScript sends them."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import PaymentAccount, Payout, Purchase, TrainingProvider
from skillsprogram.services import grievances
from tests.api.conftest import api_key, staff_token
from tests.api.helpers import course_id, run_wave_to_vouchers
from tests.web.conftest import form_tokens, register_through_the_portal


def other_browser(browser: TestClient) -> TestClient:
    """A second browser on the same portal, with cookies of its own."""
    return TestClient(browser.app, raise_server_exceptions=False, follow_redirects=False)


@pytest.fixture
def holders(browser: TestClient, ctx: ProgrammeContext) -> tuple[TestClient, TestClient]:
    """Two applicants registered through the portal, each signed in in a browser of their
    own, taken to a voucher of 1,000,000 by the officer routes."""
    other = other_browser(browser)
    register_through_the_portal(browser, 1)
    register_through_the_portal(other, 2)
    run_wave_to_vouchers(browser, ctx, staff_token(browser, ctx, "officer"), 2)
    return browser, other


def purchases(ctx: ProgrammeContext) -> int:
    with ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(Purchase)).scalar_one())


def buy(browser: TestClient, code: str) -> str:
    """Buy course ``code`` from its page; returns the purchase page's path."""
    course = course_id(browser, code)
    page = browser.get(f"/courses/{course}")
    answer = browser.post(f"/courses/{course}/purchase", data=form_tokens(page.text))
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def finish(browser: TestClient, ctx: ProgrammeContext) -> None:
    """The provider redeems the only purchase's code and reports the course completed."""
    with ctx.uow() as uow:
        code, purchase_id = uow.session.execute(select(col(Purchase.redeem_code), col(Purchase.id))).one()
    provider = api_key(ctx, "provider", "p1")
    assert browser.post("/v1/redemptions", json={"codes": [code]}, headers=provider).json()["accepted"] == 1
    done = {"items": [{"purchase_id": str(purchase_id), "certificate_number": "C-1", "score": 90}]}
    assert browser.post("/v1/completions", json=done, headers=provider).json()["accepted"] == 1


def add_account(browser: TestClient, number: str) -> TestClient:
    """Name a wallet account from the accounts page."""
    page = browser.get("/me/accounts")
    sent = {**form_tokens(page.text), "rail": "wallet", "account_number": number}
    assert browser.post("/me/accounts", data=sent).status_code == 303
    return browser


def titles(html: str) -> list[str]:
    """The courses a catalogue page lists, by title."""
    return re.findall(r'<h2><a href="/courses/[^"]+">([^<]+)</a></h2>', html)


def test_the_catalogue_lists_every_course_on_sale_without_sign_in(browser: TestClient) -> None:
    page = browser.get("/courses")
    assert page.status_code == 200
    assert sorted(titles(page.text)) == ["Coding", "Goldsmithing", "Welding"]
    assert "Sign in to buy this course" in browser.get(f"/courses/{course_id(browser, 'T-WELD')}").text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "weld"}, ["Welding"]),
        ({"q": "GOLD smith"}, ["Goldsmithing"]),
        ({"q": "gas arc"}, ["Welding"]),
        ({"mode": "online"}, ["Coding"]),
        ({"provider": "p1"}, ["Goldsmithing", "Welding"]),
        ({"field_of_study": "it"}, ["Coding"]),
        ({"min_price": "500000"}, ["Coding", "Goldsmithing"]),
        ({"max_price": "600000"}, ["Coding", "Welding"]),
        ({"min_price": "500000", "max_price": "600000"}, ["Coding"]),
        ({"region": "10"}, ["Coding"]),
        ({"region": "20"}, ["Coding", "Goldsmithing", "Welding"]),
        ({"region": "20.01", "mode": "offline"}, ["Welding"]),
    ],
)
def test_the_catalogues_filters_narrow_it_as_the_api_does(
    browser: TestClient, ctx: ProgrammeContext, query: dict[str, str], expected: list[str]
) -> None:
    with ctx.transaction() as uow:  # p1 teaches in South Plains; p2 teaches online only
        uow.session.execute(
            update(TrainingProvider).where(col(TrainingProvider.code) == "p1").values(region_code="20.01")
        )
    page_query = {("field" if k == "field_of_study" else k): v for k, v in query.items()}
    page = browser.get("/courses", params=page_query)
    assert page.status_code == 200
    assert sorted(titles(page.text)) == expected
    api = browser.get("/v1/courses", params=query)
    assert api.status_code == 200
    assert sorted(c["title"] for c in api.json()["items"]) == expected


def test_a_price_filter_that_is_not_an_amount_is_shown_beside_its_field_and_left_out(
    browser: TestClient,
) -> None:
    page = browser.get("/courses", params={"max_price": "cheap"})
    assert page.status_code == 200
    assert 'id="max_price-error">Please give an amount' in page.text
    assert len(titles(page.text)) == 3


def test_the_catalogue_pages_through_its_courses(
    browser: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.web.routes import catalogue

    monkeypatch.setattr(catalogue, "PAGE_SIZE", 2)
    first = browser.get("/courses", params={"q": "ing"})
    found = re.search(r'href="(/courses\?[^"]*after=[^"]+)"', first.text)
    assert found, "no link to the next page"
    second = browser.get(found.group(1).replace("&amp;", "&"))
    assert len(titles(first.text)) == 2 and len(titles(second.text)) == 1
    assert set(titles(first.text)).isdisjoint(titles(second.text))


@pytest.mark.parametrize(
    "path",
    ["/me/voucher", "/me/surveys", "/me/accounts", "/me/complaints", f"/me/purchases/{uuid.UUID(int=1)}"],
)
def test_the_applicants_pages_send_a_stranger_to_sign_in_and_back(browser: TestClient, path: str) -> None:
    answer = browser.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next={path}"


def test_buying_twice_with_one_form_buys_once_and_shows_the_redeem_code(
    holders: tuple[TestClient, TestClient], ctx: ProgrammeContext
) -> None:
    me, _ = holders
    course = course_id(me, "T-WELD")
    page = me.get(f"/courses/{course}")
    assert "Buy for" in page.text and "1,000,000" in page.text
    sent = form_tokens(page.text)
    first = me.post(f"/courses/{course}/purchase", data=sent)
    again = me.post(f"/courses/{course}/purchase", data=sent)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert purchases(ctx) == 1

    shown = me.get(first.headers["location"])
    assert shown.status_code == 200
    assert f'href="{first.headers["location"]}"' in me.get("/me").text  # the timeline leads back to it
    with ctx.uow() as uow:
        code = uow.session.execute(select(col(Purchase.redeem_code))).scalar_one()
    assert f'<p class="redeem"><strong>{code}</strong></p>' in shown.text
    assert "Harbour Institute" in shown.text


def test_a_course_dearer_than_the_voucher_is_refused_in_words(
    holders: tuple[TestClient, TestClient], ctx: ProgrammeContext
) -> None:
    me, _ = holders
    gold = course_id(me, "T-GOLD")
    page = me.get(f"/courses/{gold}")
    assert "Your voucher balance is too low for this course." in page.text
    assert f'action="/courses/{gold}/purchase"' not in page.text
    tokens = form_tokens(me.get(f"/courses/{course_id(me, 'T-WELD')}").text)
    answer = me.post(f"/courses/{gold}/purchase", data=tokens)
    assert answer.status_code == 409
    assert "Your voucher balance is too low for this course." in answer.text
    assert purchases(ctx) == 0


def test_the_voucher_page_shows_the_balance_deadlines_and_history(
    holders: tuple[TestClient, TestClient],
) -> None:
    me, _ = holders
    purchase = buy(me, "T-WELD")
    page = me.get("/me/voucher")
    assert page.status_code == 200
    assert "<strong>$600,000.00</strong>" in page.text  # 1,000,000 less Welding's 400,000
    assert "Held for courses not yet started: $400,000.00" in page.text
    assert "Buy your first course by</dt><dd>February 12, 2025" in page.text
    assert "Voucher issued" in page.text and "$1,000,000.00" in page.text
    assert f'<a href="{purchase}">Welding</a>' in page.text and "-$400,000.00" in page.text


def test_another_applicants_purchase_is_a_not_found_page(holders: tuple[TestClient, TestClient]) -> None:
    me, other = holders
    purchase = buy(me, "T-WELD")
    for path in (purchase, f"{purchase}/rating"):
        answer = other.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "could not be found" in answer.text
    theirs = other.get("/me/accounts")
    rated = other.post(f"{purchase}/rating", data={**form_tokens(theirs.text), "stars": "1"})
    assert rated.status_code == 404
    assert "Your rating" not in me.get(purchase).text


def test_a_finished_course_is_rated_once_and_its_survey_answered(
    holders: tuple[TestClient, TestClient], ctx: ProgrammeContext
) -> None:
    me, _ = holders
    purchase = buy(me, "T-WELD")
    assert "Rate this course" not in me.get(purchase).text
    assert "This survey opens later" in me.get("/me/surveys").text
    finish(me, ctx)

    assert f'href="{purchase}/rating"' in me.get("/me").text  # the timeline's rating stage
    form = me.get(f"{purchase}/rating")
    assert form.status_code == 200
    missing = me.post(f"{purchase}/rating", data=form_tokens(form.text))
    assert missing.status_code == 422 and 'id="stars-error"' in missing.text
    rated = me.post(f"{purchase}/rating", data={**form_tokens(form.text), "stars": "4", "comment": "Clear"})
    assert rated.status_code == 303 and rated.headers["location"] == purchase
    shown = me.get(purchase).text
    assert "4 stars" in shown and "Clear" in shown and "Rate this course" not in shown
    assert "You have already rated this course." in me.get(f"{purchase}/rating").text
    fresh = form_tokens(me.get("/me/complaints").text)  # a new form: not a replay of the first
    twice = me.post(f"{purchase}/rating", data={**fresh, "stars": "5"})
    assert twice.status_code == 409 and "already rated" in twice.text

    surveys = me.get("/me/surveys")
    assert 'action="/me/surveys/exit"' in surveys.text
    sent = {**form_tokens(surveys.text), "survey": "exit", "answer.useful": "yes"}
    partial = me.post("/me/surveys/exit", data=sent)
    assert partial.status_code == 422 and "Please answer every question." in partial.text
    answers = {"answer.useful": "yes", "answer.employed": "no"}
    answered = me.post("/me/surveys/exit", data={**sent, **answers})
    assert answered.status_code == 303
    assert "Answered on" in me.get(answered.headers["location"]).text


def test_a_payment_account_is_added_and_shown_verified_with_its_number_masked(
    holders: tuple[TestClient, TestClient],
) -> None:
    me, other = holders
    page = me.get("/me/accounts")
    assert page.status_code == 200 and "Test wallet (SANDBOX)" in page.text
    empty = me.post("/me/accounts", data={**form_tokens(page.text), "rail": "wallet"})
    assert empty.status_code == 422 and 'id="account_number-error">Please fill in this field.' in empty.text
    added = me.post(
        "/me/accounts", data={**form_tokens(page.text), "rail": "wallet", "account_number": "W000000001"}
    )
    assert added.status_code == 303 and added.headers["location"] == "/me/accounts"
    shown = me.get("/me/accounts").text
    assert "******0001" in shown and "W000000001" not in shown
    assert '<p class="state">Verified</p>' in shown
    theirs = other.get("/me/accounts").text
    taken = other.post(
        "/me/accounts", data={**form_tokens(theirs), "rail": "wallet", "account_number": "W000000001"}
    )
    assert "This account is registered to someone else." in taken.text


def test_a_complaint_is_filed_followed_and_its_answer_read_by_its_author_only(
    holders: tuple[TestClient, TestClient], ctx: ProgrammeContext
) -> None:
    me, other = holders
    page = me.get("/me/complaints")
    assert "You have not filed a complaint." in page.text
    incomplete = me.post("/me/complaints", data={**form_tokens(page.text), "category": "payment"})
    assert incomplete.status_code == 422 and 'id="subject-error"' in incomplete.text
    sent = {
        **form_tokens(page.text),
        "category": "payment",
        "subject": "Incentive not received",
        "description": "It was due on 3 March.",
    }
    filed = me.post("/me/complaints", data=sent)
    assert filed.status_code == 303
    where = filed.headers["location"]
    assert me.post("/me/complaints", data=sent).headers["location"] == where  # sent twice, filed once
    assert me.get("/me/complaints").text.count('<a href="/me/complaints/') == 1
    assert "No answer yet." in me.get(where).text

    with ctx.transaction() as uow:
        grievances.answer(uow, ctx, uuid.UUID(where.rsplit("/", 1)[1]), True, "Paid on 5 March.")
    shown = me.get(where).text
    assert "Paid on 5 March." in shown and "Answered" in shown
    assert other.get(where).status_code == 404


def test_the_account_chosen_is_the_one_paid_and_an_unverified_one_cannot_be_chosen(
    holders: tuple[TestClient, TestClient], ctx: ProgrammeContext
) -> None:
    me, other = holders
    add_account(add_account(me, "W000000001"), "W000000002")
    add_account(other, "W000000003")
    with ctx.uow() as uow:
        numbers = {
            ctx.vault.decrypt(a.number_enc): a.id
            for a in uow.session.execute(select(PaymentAccount)).scalars()
        }
    second, theirs = numbers["W000000002"], numbers["W000000003"]
    page = me.get("/me/accounts")
    assert f'action="/me/accounts/{second}/choice"' in page.text
    chosen = me.post(f"/me/accounts/{second}/choice", data=form_tokens(page.text))
    assert chosen.status_code == 303
    shown = me.get("/me/accounts").text
    assert shown.count("your payments go here") == 1
    assert f'action="/me/accounts/{second}/choice"' not in shown
    refused = me.post(f"/me/accounts/{theirs}/choice", data=form_tokens(shown))
    assert refused.status_code == 404

    purchase = buy(me, "T-WELD")
    finish(me, ctx)
    form = me.get(f"{purchase}/rating")
    assert me.post(f"{purchase}/rating", data={**form_tokens(form.text), "stars": "5"}).status_code == 303
    with ctx.uow() as uow:
        paid_into = set(uow.session.execute(select(col(Payout.payment_account_id))).scalars())
    assert paid_into == {second}


def test_a_new_courses_field_is_offered_in_the_filters_once_their_choices_are_read_again(
    browser: TestClient, ctx: ProgrammeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.domain.exchange import CourseSpec
    from skillsprogram.services import catalogue
    from skillsprogram.web.routes import catalogue as catalogue_page

    assert 'value="tourism"' not in browser.get("/courses").text
    tour = CourseSpec(
        "T-TOUR", "Guiding", "tourism", "online", 300_000, 30, "p2", "Hills Academy", "tm", "Testmarket"
    )
    with ctx.transaction() as uow:
        catalogue.add_courses(uow, ctx, [tour])
    kept = browser.get("/courses").text
    assert "Guiding" in kept, "the course itself is listed at once"
    assert 'value="tourism"' not in kept, "the choices are kept for a minute"
    monkeypatch.setattr(catalogue_page, "CHOICES_SECONDS", -1.0)
    assert 'value="tourism"' in browser.get("/courses").text
