"""Signing in by a one-time code: issued only to a match, kept only as a hash, once, briefly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from skillsprogram.api.limits import RateLimiter
from skillsprogram.api.problems import ApiError
from skillsprogram.clock import FixedClock
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import SignInCode
from skillsprogram.domain.models import Application, AuditEvent
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import people, registration, revocation, sign_in
from skillsprogram.services.sign_in import CodeRequest, Issue
from tests.support import testland
from tests.support.testland import person


@pytest.fixture(autouse=True)
def outbox() -> Iterator[list[object]]:
    """Testland's outbox, empty at the start of each test."""
    testland.OUTBOX.clear()
    yield testland.OUTBOX
    testland.OUTBOX.clear()


def register(ctx: ProgrammeContext, index: int, **overrides: object) -> uuid.UUID:
    with ctx.transaction() as uow:
        return registration.register(uow, ctx, person(index, **overrides))


def by_identity(index: int) -> CodeRequest:
    declared = person(index)
    return CodeRequest(national_id=declared.national_id, birth_date=declared.birth_date)


def ask(ctx: ProgrammeContext, asked: CodeRequest, limit: sign_in.Limit | None = None) -> Issue:
    with ctx.transaction() as uow:
        issue = sign_in.request_code(uow, ctx, asked, limit)
    sign_in.send(ctx, issue)
    return issue


def verify(ctx: ProgrammeContext, challenge: uuid.UUID, code: str) -> uuid.UUID | None:
    with ctx.transaction() as uow:
        return sign_in.verify(uow, ctx, challenge, code)


def sent_code() -> str:
    message = testland.OUTBOX[-1]
    return message.values["code"]


def actions(ctx: ProgrammeContext) -> list[tuple[str, dict[str, object]]]:
    with ctx.uow() as uow:
        rows = uow.session.execute(
            select(AuditEvent.action, AuditEvent.data)
            .where(AuditEvent.entity == "sign_in_code")
            .order_by(AuditEvent.id)
        ).all()
    return [(action, dict(data)) for action, data in rows]


def test_a_code_is_sent_to_the_registered_phone_and_signs_in_once(ctx: ProgrammeContext) -> None:
    application_id = register(ctx, 1)
    issue = ask(ctx, by_identity(1))
    message = testland.OUTBOX[-1]
    assert message.to == "+9900000001" and message.template == "sign-in-code"
    assert len(message.values["code"]) == 6 and message.values["code"].isdigit()
    assert message.values["minutes"] == "10" and issue.expires_in == 600
    assert verify(ctx, issue.challenge, message.values["code"]) == application_id
    assert verify(ctx, issue.challenge, message.values["code"]) is None  # consumed


def test_the_code_is_stored_only_as_a_keyed_hash_and_never_in_the_audit_log(ctx: ProgrammeContext) -> None:
    register(ctx, 1)
    issue = ask(ctx, by_identity(1))
    code = sent_code()
    verify(ctx, issue.challenge, "000000" if code != "000000" else "111111")
    verify(ctx, issue.challenge, code)
    with ctx.uow() as uow:
        row = uow.session.get(SignInCode, issue.challenge)
        assert row is not None and code not in row.code_hash and len(row.code_hash) == 64
    logged = actions(ctx)
    assert [action for action, _ in logged] == [
        "sign_in_code_issued",
        "sign_in_code_refused",
        "sign_in_code_used",
    ]
    assert all(code not in str(data) and "+99" not in str(data) for _, data in logged)
    assert logged[1][1]["reason"] == "wrong-code"


def test_the_answer_is_the_same_whether_or_not_anyone_matches(ctx: ProgrammeContext) -> None:
    register(ctx, 1)
    found = ask(ctx, by_identity(1))
    unknown = ask(ctx, by_identity(2))
    wrong_birth = ask(ctx, CodeRequest(national_id=person(1).national_id, birth_date=date(1950, 5, 5)))
    malformed = ask(ctx, CodeRequest(national_id="not a number", birth_date=date(1990, 1, 1)))
    for other in (unknown, wrong_birth, malformed):
        assert (other.expires_in, other.contact, other.message) == (found.expires_in, found.contact, None)
        assert other.challenge != found.challenge
        assert verify(ctx, other.challenge, sent_code()) is None
    assert len(testland.OUTBOX) == 1


def test_a_code_asked_for_by_phone_number_goes_to_that_phone(ctx: ProgrammeContext) -> None:
    application_id = register(ctx, 4)
    issue = ask(ctx, CodeRequest(contact=" +9900000004 "))
    assert verify(ctx, issue.challenge, sent_code()) == application_id


def test_a_code_expires_after_the_configured_minutes(ctx: ProgrammeContext, clock: FixedClock) -> None:
    register(ctx, 1)
    issue = ask(ctx, by_identity(1))
    clock.advance(timedelta(minutes=10))
    assert verify(ctx, issue.challenge, sent_code()) is None
    assert actions(ctx)[-1][1]["reason"] == "expired"


def test_a_code_stops_working_after_the_allowed_wrong_tries(ctx: ProgrammeContext) -> None:
    register(ctx, 1)
    issue = ask(ctx, by_identity(1))
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(ctx.config.sign_in.max_attempts):
        assert verify(ctx, issue.challenge, wrong) is None
    assert verify(ctx, issue.challenge, code) is None
    assert actions(ctx)[-1][1]["reason"] == "too-many-attempts"


def test_asking_again_replaces_the_earlier_code(ctx: ProgrammeContext) -> None:
    application_id = register(ctx, 1)
    first = ask(ctx, by_identity(1))
    first_code = sent_code()
    second = ask(ctx, by_identity(1))
    assert verify(ctx, first.challenge, first_code) is None
    assert verify(ctx, second.challenge, sent_code()) == application_id


def test_a_revoked_applicant_gets_no_code_and_cannot_use_one_sent_before(ctx: ProgrammeContext) -> None:
    application_id = register(ctx, 1)
    before = ask(ctx, by_identity(1))
    with ctx.transaction() as uow:
        revocation.revoke(uow, ctx, application_id, "found to be a civil servant")
    assert verify(ctx, before.challenge, sent_code()) is None
    testland.OUTBOX.clear()
    after = ask(ctx, by_identity(1))
    assert after.message is None and testland.OUTBOX == []


def test_requests_beyond_the_limit_are_refused_alike_for_a_match_and_for_no_one(
    ctx: ProgrammeContext,
) -> None:
    register(ctx, 1)
    limit = RateLimiter(2, 3_600, namespace=f"test-sign-in/{uuid.uuid4()}", what="sign-in codes")
    for asked in (by_identity(1), by_identity(2)):
        ask(ctx, asked, limit)
        ask(ctx, asked, limit)
        with pytest.raises(ApiError) as refused:
            ask(ctx, asked, limit)
        assert refused.value.status == 429 and "Retry-After" in refused.value.headers


def test_a_code_goes_in_the_language_the_person_chose(ctx: ProgrammeContext) -> None:
    multilingual = replace(
        ctx,
        config=ctx.config.model_copy(
            update={"programme": ctx.config.programme.model_copy(update={"locales": ["en", "fr"]})}
        ),
    )
    application_id = register(multilingual, 1)
    with multilingual.transaction() as uow:
        people.choose_locale(uow, multilingual, application_id, "fr")
    ask(multilingual, by_identity(1))
    assert testland.OUTBOX[-1].locale == "fr"


def test_registration_stores_the_consent_version_and_refuses_another(ctx: ProgrammeContext) -> None:
    application_id = register(ctx, 1)
    with ctx.uow() as uow:
        application = uow.session.get(Application, application_id)
        assert application is not None
        assert application.consent_version == "testland-2025-01"
        assert application.consented_at == ctx.clock.now()
    with pytest.raises(ValidationFailed) as refused:
        register(ctx, 2, consent_version="testland-2024-01")
    assert refused.value.code == "consent-version-mismatch"


def test_an_email_is_refused_where_codes_go_by_phone(ctx: ProgrammeContext) -> None:
    with pytest.raises(ValidationFailed) as refused:
        register(ctx, 1, email="someone@example.org")
    assert refused.value.code == "email-not-collected"


def test_where_codes_go_by_email_registration_keeps_the_address_and_the_code_goes_there(
    ctx: ProgrammeContext,
) -> None:
    rules = ctx.config.sign_in.model_copy(update={"contact": "email"})
    by_email = replace(ctx, config=ctx.config.model_copy(update={"sign_in": rules}))
    application_id = register(by_email, 1, email=" Ayu@Example.org ")
    issue = ask(by_email, CodeRequest(contact="ayu@example.org"))
    assert issue.contact == "email" and testland.OUTBOX[-1].to == "ayu@example.org"
    assert verify(by_email, issue.challenge, sent_code()) == application_id
    with pytest.raises(ValidationFailed) as refused:
        register(by_email, 2, email="not an address")
    assert refused.value.code == "invalid-email"
