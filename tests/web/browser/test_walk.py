"""The whole way through the portal in a real browser: an applicant registers, signs in again
with a code, buys a course and is paid the incentive once the provider, on its own pages, has
redeemed the code and reported the course finished and the applicant has rated it. Then a
provider's file of good and bad rows, and the same walk in Khmer on the Cambodian programme.

The officers' steps (closing the wave, the identity check, screening, the draw, vouchers,
the payout run) have no pages yet: the tests take them through the services.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import skillsprogram_cambodia.plugin as cambodia_plugin
from playwright.sync_api import Browser, FilePayload
from skillsprogram_cambodia.texts import SandboxSmsOutbox
from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import Notification
from skillsprogram.domain.models import Application, Course, Purchase, TrainingProvider
from skillsprogram.services import clients, payouts, vouchers
from tests.api.helpers import registration
from tests.services.helpers import course, to_voucher, wave_to_vouchers
from tests.support import testland
from tests.web.browser.conftest import CHECKED_VIEWS, Tab, View, check_page, open_tab, register_in_browser

#: A phone without JavaScript and a desktop with it: the two ends of what the portal serves.
WALK_VIEWS = CHECKED_VIEWS


@pytest.fixture(params=WALK_VIEWS, ids=lambda view: view.id)
def walk_view(request: pytest.FixtureRequest) -> View:
    """The windows the walk is taken in."""
    found: View = request.param
    return found


@pytest.fixture
def outbox() -> Iterator[list[Notification]]:
    """Testland's outbox of sign-in codes, empty to start with."""
    testland.OUTBOX.clear()
    yield testland.OUTBOX
    testland.OUTBOX.clear()


def provider_key(ctx: ProgrammeContext, provider: str) -> str:
    """A new API key of training provider ``provider``, as an administrator issues it."""
    with ctx.transaction() as uow:
        return clients.create_client(uow, ctx, "provider", f"walk provider {provider}", provider).api_key


def go(tab: Tab, selector: str, name: str, path: str | None = None) -> None:
    """Follow the link or press the button ``selector``, land on a page answering 200 (at
    ``path``, when given) and check it as ``name``."""
    answer = tab.submit(selector)
    assert answer.status == 200, f"{name}: {answer.status} at {tab.path()}"
    if path is not None:
        assert tab.path() == path, f"{name}: at {tab.path()}"
    check_page(tab, name)


def visit(tab: Tab, path: str, name: str) -> None:
    """Open ``path``, which answers 200, and check it as ``name``."""
    answer = tab.open(path)
    assert answer.status == 200, f"{name}: {answer.status}"
    check_page(tab, name)


def sign_in_with_code(tab: Tab, outbox: list[Notification], index: int, prefix: str) -> None:
    """Sign applicant ``index`` in with the identity card and the code the outbox holds."""
    body = registration(index)
    visit(tab, "/sign-in", f"{prefix}-sign-in")
    tab.page.fill("#national_id", body["national_id"])
    tab.page.fill("#birth_date", body["birth_date"])
    go(tab, "main form button[type=submit]", f"{prefix}-sign-in-code", "/sign-in/code?next=/me")
    tab.page.fill("#code", outbox[-1].values["code"])
    go(tab, "main form button[type=submit]", f"{prefix}-signed-in", "/me")


def partner_sign_in(tab: Tab, key: str, prefix: str) -> None:
    """Sign an organisation in on the partner sign-in page with its API key."""
    visit(tab, "/partner/sign-in", f"{prefix}-partner-sign-in")
    tab.page.fill("#api_key", key)
    go(tab, "main form button[type=submit]", f"{prefix}-partner-dashboard", "/partner")


def redeem(tab: Tab, code: str, prefix: str) -> None:
    """Redeem ``code`` on the partner's redemption page; it is accepted."""
    visit(tab, "/partner/redemptions", f"{prefix}-partner-redemptions")
    tab.page.fill("#codes", code)
    go(tab, "main form button[type=submit]", f"{prefix}-partner-redeemed")
    assert tab.page.locator("main tbody tr").count() == 1


def upload(tab: Tab, kind: str, rows: list[str], prefix: str) -> None:
    """Upload ``rows`` as a CSV file holding ``kind`` on the partner's upload page, landing on
    its report."""
    visit(tab, "/partner/uploads", f"{prefix}-upload-form")
    tab.page.check(f"#kind-{kind}")
    file: FilePayload = {"name": f"{kind}.csv", "mimeType": "text/csv", "buffer": "\n".join(rows).encode()}
    tab.page.set_input_files("#file", files=[file])
    go(tab, "main form button[type=submit]", f"{prefix}-upload-report", "/partner/uploads")


def test_an_applicant_registers_buys_a_course_and_is_paid_once_the_provider_reports_it_finished(
    chromium: Browser,
    walk_view: View,
    portal: str,
    ctx: ProgrammeContext,
    outbox: list[Notification],
) -> None:
    me = open_tab(chromium, walk_view, portal)
    provider = open_tab(chromium, walk_view, portal)
    try:
        register_in_browser(me, 1)
        check_page(me, "walk-registered")
        wave_to_vouchers(ctx, 1)

        go(me, "header form[action='/sign-out'] button", "walk-signed-out", "/")
        sign_in_with_code(me, outbox, 1, "walk")
        voucher = me.page.locator(".timeline .stage", has_text="Your training voucher")
        assert "done" in (voucher.get_attribute("class") or "")

        visit(me, "/courses", "walk-catalogue")
        go(me, "main h2 a:text-is('Welding')", "walk-course")
        assert "$1,000,000.00" in me.page.locator(".balance").inner_text()
        go(me, "main form[action$='/purchase'] button", "walk-bought")
        purchase = me.path()
        assert purchase.startswith("/me/purchases/")
        code = me.page.locator(".redeem strong").inner_text()
        assert len(code) >= 6, code

        partner_sign_in(provider, provider_key(ctx, "p1"), "walk")
        redeem(provider, code, "walk")
        assert "Accepted" in provider.page.locator("main tbody").inner_text()
        visit(provider, "/partner/enrolments?state=redeemed", "walk-partner-enrolments")
        purchase_id = provider.page.locator("main tbody code.id").inner_text()
        assert purchase == f"/me/purchases/{purchase_id}"
        visit(provider, "/partner/completions", "walk-partner-completions")
        provider.page.fill("#purchase_id", purchase_id)
        provider.page.fill("#certificate_number", "CERT-WALK-1")
        provider.page.fill("#score", "88")
        go(provider, "main form button[type=submit]", "walk-partner-completed")
        assert "Accepted" in provider.page.locator("main tbody").inner_text()

        visit(me, "/me/accounts", "walk-accounts")
        me.page.select_option("#rail", "wallet")
        me.page.fill("#account_number", "W000000001")
        go(me, "main form[action='/me/accounts'] button", "walk-account-added", "/me/accounts")
        assert "Verified" in me.page.locator(".card.account .state").inner_text()

        visit(me, purchase, "walk-finished-course")
        go(me, "main a:text-is('Rate this course')", "walk-rating", f"{purchase}/rating")
        me.page.check("#stars-4")
        me.page.fill("#comment", "Clear and practical.")
        go(me, "main form button[type=submit]", "walk-rated", purchase)
        assert "4 stars" in me.page.locator("main").inner_text()

        assert payouts.run_payouts(ctx).outcomes == {"paid": 1}
        visit(me, "/me", "walk-paid")
        rows = me.page.locator(".timeline table tbody tr").all_inner_texts()
        assert len(rows) == 2, rows  # the incentive comes in two instalments
        assert "$600,000.00" in rows[0] and "Paid" in rows[0], rows
        assert "To be paid" in rows[1], rows
    finally:
        me.context.close()
        provider.context.close()


# --- a provider's file -------------------------------------------------------------------------


def test_a_providers_completion_file_is_applied_row_by_row_and_each_refused_row_says_why(
    chromium: Browser, walk_view: View, portal: str, ctx: ProgrammeContext
) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        (bought,) = vouchers.purchase_courses(uow, ctx, [vouchers.Order(holder, course(ctx, "T-WELD"))])
        purchase = bought.unwrap()
        code = uow.session.execute(
            select(col(Purchase.redeem_code)).where(col(Purchase.id) == purchase)
        ).scalar_one()
    provider = open_tab(chromium, walk_view, portal)
    try:
        partner_sign_in(provider, provider_key(ctx, "p1"), "upload")
        redeem(provider, code, "upload")
        rows = [
            "purchase_id,certificate_number,score",
            f"{purchase},CERT-1,88",
            f"{uuid.UUID(int=7)},CERT-2,70",
            f"{purchase},CERT-3,eighty",
            f"{purchase}",
        ]
        upload(provider, "completions", rows, "upload")
        assert "4 rows read: 1 accepted, 3 refused." in provider.page.locator("main .notice").inner_text()
        refused = [
            row.split("\t") for row in provider.page.locator("main .scroll tbody tr").all_inner_texts()
        ]
        assert refused == [
            ["3", "", "No enrolment in your courses matches this."],
            ["4", "score", "This value is not valid."],
            ["5", "", "This row does not have as many cells as the header has columns."],
        ], refused
    finally:
        provider.context.close()


# --- the same walk in Khmer --------------------------------------------------------------------

#: Sok Channary of Phnom Penh, without an equity card but of a vulnerable category.
CHANNARY = {
    "national_id": "010203040",
    "full_name": "Sok Channary",
    "birth_date": "2004-03-02",
    "phone": "+85512345678",
}
KHMER = re.compile("[\u1780-\u17ff]")


def khmer_page(tab: Tab, heading_of: str = "h1") -> str:
    """The heading ``heading_of`` of the page the tab shows, checked to be the Khmer page:
    ``lang="km"`` and the heading in Khmer script."""
    assert tab.page.get_attribute("html", "lang") == "km", tab.path()
    heading = tab.page.locator(heading_of).first.inner_text()
    assert KHMER.search(heading), f"{tab.path()}: heading {heading!r} is not in Khmer"
    return heading


def choose_khmer(tab: Tab, name: str) -> None:
    """Choose ខ្មែរ at the foot of the page; the same page comes back in Khmer."""
    where = tab.path()
    tab.page.select_option("#locale", "km")
    go(tab, "footer form button[type=submit]", name, where)
    khmer_page(tab)


@pytest.fixture
def sms_outbox() -> Iterator[SandboxSmsOutbox]:
    """The Cambodian SANDBOX SMS channel's outbox, empty to start with (it keeps one message
    per event id, and every test's database numbers its events from 1)."""
    cambodia_plugin.OUTBOX.sent.clear()
    yield cambodia_plugin.OUTBOX
    cambodia_plugin.OUTBOX.sent.clear()


def sms_code(outbox: SandboxSmsOutbox, person: str) -> str:
    """The sign-in code of the last message the SANDBOX SMS channel holds for ``person``."""
    texts = [text for to, text in outbox.sent.values() if to == person]
    found = re.search(r"[0-9]{6}", texts[-1])
    assert found, texts[-1]
    return found.group(0)


# The walk's way through PostgreSQL is the English one's; in Khmer the pages are what is new.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_same_walk_in_khmer_on_the_cambodian_programme_pays_the_monthly_allowance_in_riel(
    chromium: Browser,
    walk_view: View,
    cambodian_portal: str,
    cambodian_programme: ProgrammeContext,
    sms_outbox: SandboxSmsOutbox,
) -> None:
    """Cambodia's programme pays the tuition (the voucher) to the institute once it confirms the
    trainee started, and a monthly allowance to the trainee for each month of enough
    attendance: so the institute redeems the code and uploads the month's attendance (with a
    row it may not send), and no completion or rating is needed for the first instalment."""
    ctx = cambodian_programme
    me = open_tab(chromium, walk_view, cambodian_portal)
    institute = open_tab(chromium, walk_view, cambodian_portal)
    try:
        visit(me, "/register", "km-register-en")
        assert me.page.get_attribute("html", "lang") == "en", "the browser asks for English"
        choose_khmer(me, "km-register")
        for name, value in CHANNARY.items():
            me.page.fill(f"#{name}", value)
        me.page.select_option("#sex", "F")
        me.page.select_option("#region_code", "12")
        me.page.select_option("[id='attributes.nationality']", "KH")
        me.page.select_option("[id='attributes.vulnerable_category']", "orphan")
        me.page.check("#consent")
        go(me, "main form button[type=submit]", "km-registered", "/me")
        khmer_page(me)
        wave_to_vouchers(ctx, 1)

        go(me, "header form[action='/sign-out'] button", "km-signed-out", "/")
        visit(me, "/sign-in", "km-sign-in")
        khmer_page(me)
        me.page.fill("#national_id", CHANNARY["national_id"])
        me.page.fill("#birth_date", CHANNARY["birth_date"])
        go(me, "main form button[type=submit]", "km-sign-in-code", "/sign-in/code?next=/me")
        with ctx.uow() as uow:
            person = str(uow.session.execute(select(col(Application.person_id))).scalar_one())
        me.page.fill("#code", sms_code(sms_outbox, person))
        go(me, "main form button[type=submit]", "km-signed-in", "/me")
        assert "៛" in me.page.locator(".balance").inner_text()

        visit(me, "/courses", "km-catalogue")
        khmer_page(me)
        go(me, "main h2 a >> nth=0", "km-course")
        assert "៛" in me.page.locator(".price").inner_text()
        go(me, "main form[action$='/purchase'] button", "km-bought")
        purchase = uuid.UUID(me.path().removeprefix("/me/purchases/"))
        assert me.page.get_attribute("html", "lang") == "km"  # its heading is the course's title
        assert KHMER.search(me.page.locator("#code-title").inner_text())
        code = me.page.locator(".redeem strong").inner_text()

        with ctx.uow() as uow:
            provider = uow.session.execute(
                select(col(TrainingProvider.code))
                .join(Course, col(Course.provider_id) == col(TrainingProvider.id))
                .join(Purchase, col(Purchase.course_id) == col(Course.id))
                .where(col(Purchase.id) == purchase)
            ).scalar_one()
        visit(institute, "/partner/sign-in", "km-partner-sign-in-en")
        choose_khmer(institute, "km-partner-sign-in")
        institute.page.fill("#api_key", provider_key(ctx, provider))
        go(institute, "main form button[type=submit]", "km-partner-dashboard", "/partner")
        khmer_page(institute, "main h2")  # its title is the organisation's code
        redeem(institute, code, "km")
        month = ctx.clock.now().astimezone(ctx.config.programme.zone).strftime("%Y-%m")
        rows = [
            "purchase_id,period,attendance_percent",
            f"{purchase},{month},92",
            f"{purchase},{month},85",
            f"{purchase},2023-13,90",
        ]
        upload(institute, "attendance", rows, "km")
        refused = institute.page.locator("main .scroll tbody tr").all_inner_texts()
        assert len(refused) == 2 and all(KHMER.search(row) for row in refused), refused

        visit(me, "/me/accounts", "km-accounts")
        me.page.select_option("#rail", "wing")
        me.page.fill("#account_number", "012345678")
        go(me, "main form[action='/me/accounts'] button", "km-account-added", "/me/accounts")
        assert me.page.locator(".card.account").count() == 1

        assert payouts.run_payouts(ctx).outcomes == {"paid": 1}
        visit(me, "/me", "km-paid")
        khmer_page(me)
        paid = me.page.locator(".timeline table tbody tr").all_inner_texts()
        assert len(paid) == 1, paid  # one month attended, one instalment earned
        assert "ប្រាក់ឧបត្ថម្ភប្រចាំខែ" in paid[0], paid
        assert "280,000" in paid[0].replace(".", ",") and "៛" in paid[0], paid
        assert not re.search("[A-Za-z]{4,}", paid[0]), f"English left in {paid[0]!r}"
    finally:
        me.context.close()
        institute.context.close()
