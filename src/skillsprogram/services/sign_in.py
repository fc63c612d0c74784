"""Signing in again by a one-time code sent to the contact an applicant registered.

A person asks for a code with their national id and birth date, or with their contact
(the phone number or e-mail address the programme signs in with). The answer is the same
whether or not anyone matches: a *challenge* (an opaque id) and how long a code lasts.
Where someone matches and may still sign in, a 6-digit code is made, kept only as a keyed
hash bound to the challenge, and sent through the programme's notification channel
(``skillsprogram_notify_batch``, template ``sign-in-code``). The code works once, for
``[sign_in] code_minutes``, and for at most ``max_attempts`` wrong tries; asking again
replaces the earlier code. Codes issued, used and refused are audited, without the code
or any personal value.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import SignInCode
from skillsprogram.domain.exchange import LifecycleEvent, Notification
from skillsprogram.domain.models import Application, AuditEvent, Person
from skillsprogram.domain.types import new_id
from skillsprogram.errors import DomainError, ValidationFailed
from skillsprogram.i18n import N_
from skillsprogram.privacy import PersonalKind
from skillsprogram.services.audit import Change, record
from skillsprogram.services.events import notify_now
from skillsprogram.services.registration import normal_email
from skillsprogram.storage.uow import UnitOfWork

#: The notification template of a sign-in code (its values: ``code`` and ``minutes``).
TEMPLATE = "sign-in-code"
#: The message that carries the code, in the person's language (``code``, ``minutes``).
SIGN_IN_TEXT = N_(
    "Your sign-in code is %(code)s. It works once, for %(minutes)s minutes. Do not share it with anyone."
)
#: How many digits a code has.
DIGITS = 6


class Limit(Protocol):
    """A count of attempts per key that refuses the one too many (the API's rate limiter)."""

    def hit(self, key: str) -> None:
        """Count one attempt by ``key``, or raise."""


@dataclass(frozen=True, slots=True)
class CodeRequest:
    """Who asks for a code: a national id with a birth date, or a contact."""

    national_id: str | None = None
    birth_date: date | None = None
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """What a request for a code answers (the same whether or not anyone matched), and
    the message to send once the code is committed (``None`` when no one matched)."""

    challenge: uuid.UUID
    expires_in: int
    contact: str
    message: Notification | None = None


def refusal() -> ValidationFailed:
    """The one answer to every code that does not sign in (wrong, expired, used up, for a
    revoked applicant, or for a challenge no one was sent)."""
    return ValidationFailed(
        "this code is wrong or no longer valid: ask for a new one", code="invalid-sign-in-code", field="code"
    )


def request_code(
    uow: UnitOfWork, ctx: ProgrammeContext, asked: CodeRequest, limit: Limit | None = None
) -> Issue:
    """Issue a code for the applicant ``asked`` names, if one matches and may sign in.

    ``limit`` counts the requests per identity or contact (matched or not, so that its
    refusal tells nothing either); without it only the code's own rules apply. Send the
    answer's ``message`` with :func:`send` after the unit of work commits.
    """
    rules = ctx.config.sign_in
    key, application, person = _find(uow, ctx, asked)
    if limit is not None:
        limit.hit(key)
    challenge = new_id()
    answer = Issue(challenge, rules.code_minutes * 60, rules.contact)
    if application is None or person is None or application.status == "revoked":
        return answer
    sealed = person.phone_enc if rules.contact == "phone" else person.email_enc
    if sealed is None:
        return answer
    now = ctx.clock.now()
    uow.session.execute(
        update(SignInCode)
        .where(
            col(SignInCode.application_id) == application.id,
            col(SignInCode.used_at).is_(None),
            col(SignInCode.expires_at) > now,
        )
        .values(expires_at=now)
    )
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    uow.session.add(
        SignInCode(
            id=challenge,
            application_id=application.id,
            code_hash=_digest(ctx, challenge, code),
            issued_at=now,
            expires_at=now + timedelta(minutes=rules.code_minutes),
        )
    )
    uow.session.flush()
    data = {"application_id": str(application.id), "person_id": str(person.id), "channel": rules.contact}
    record(uow, ctx, [Change("sign_in_code", challenge, "sign_in_code_issued", data=data)])
    event_id = uow.session.execute(
        select(col(AuditEvent.id)).where(
            col(AuditEvent.entity) == "sign_in_code", col(AuditEvent.entity_id) == str(challenge)
        )
    ).scalar_one()
    event = LifecycleEvent(
        int(event_id), now, "sign_in_code", str(challenge), "sign_in_code_issued", None, None, data
    )
    locale = person.locale or ctx.config.programme.locales[0]
    values = {"code": code, "minutes": str(rules.code_minutes)}
    message = Notification(
        event=event,
        person_id=str(person.id),
        template=TEMPLATE,
        locale=locale,
        text=ctx.texts.gettext(locale, SIGN_IN_TEXT, **values),
        to=ctx.vault.decrypt(sealed),
        values=values,
    )
    return Issue(challenge, answer.expires_in, rules.contact, message)


def send(ctx: ProgrammeContext, issue: Issue) -> None:
    """Hand a committed code's message to the programme's notification channel."""
    if issue.message is not None:
        notify_now(ctx, [issue.message])


def verify(uow: UnitOfWork, ctx: ProgrammeContext, challenge: uuid.UUID, code: str) -> uuid.UUID | None:
    """The application whose code ``code`` is, consuming it; ``None`` for a code that does
    not sign in (a wrong try is counted: commit the unit of work, then refuse with
    :func:`refusal`)."""
    row = uow.session.execute(uow.locked(select(SignInCode).where(col(SignInCode.id) == challenge))).scalar()
    if row is None:
        return None
    now = ctx.clock.now()
    rules = ctx.config.sign_in
    reason: str | None = None
    if row.used_at is not None:
        reason = "used"
    elif row.expires_at <= now:
        reason = "expired"
    elif row.attempts >= rules.max_attempts:
        reason = "too-many-attempts"
    else:
        application = uow.session.get(Application, row.application_id)
        if application is None or application.programme_id != ctx.pid or application.status == "revoked":
            reason = "revoked"
            row.used_at = now
        elif not hmac.compare_digest(row.code_hash, _digest(ctx, challenge, "".join(code.split()))):
            reason = "wrong-code"
            row.attempts += 1
    data: dict[str, object] = {"application_id": str(row.application_id), "attempts": row.attempts}
    if reason is None:
        row.used_at = now
        record(uow, ctx, [Change("sign_in_code", challenge, "sign_in_code_used", data=data)])
        return row.application_id
    record(
        uow, ctx, [Change("sign_in_code", challenge, "sign_in_code_refused", data={**data, "reason": reason})]
    )
    return None


def _digest(ctx: ProgrammeContext, challenge: uuid.UUID, code: str) -> str:
    return ctx.vault.digest(PersonalKind.SIGN_IN_CODE, f"{challenge}:{code}")


def _find(
    uow: UnitOfWork, ctx: ProgrammeContext, asked: CodeRequest
) -> tuple[str, Application | None, Person | None]:
    """The key requests are counted under, and the application and person ``asked``
    names in this programme (``None`` when no one, or more than one, matches)."""
    if asked.contact is not None:
        by_phone = ctx.config.sign_in.contact == "phone"
        kind = PersonalKind.PHONE if by_phone else PersonalKind.EMAIL
        digest = ctx.vault.digest(kind, asked.contact.strip() if by_phone else normal_email(asked.contact))
        column = col(Person.phone_hash) if by_phone else col(Person.email_hash)
        found = uow.session.execute(
            select(Application, Person)
            .join(Person, col(Person.id) == col(Application.person_id))
            .where(column == digest, col(Application.programme_id) == ctx.pid)
            .limit(2)
        ).all()
        if len(found) != 1:
            return f"{kind}:{digest}", None, None
        return f"{kind}:{digest}", found[0][0], found[0][1]
    if asked.national_id is None or asked.birth_date is None:
        raise ValidationFailed(
            "ask with a national id and a birth date, or with a contact",
            code="invalid-input",
            field="national_id",
        )
    try:
        parsed = ctx.hook.skillsprogram_parse_national_id(
            raw=asked.national_id, programme=ctx.config, clock=ctx.clock
        )
    except DomainError:
        parsed = None  # a malformed number belongs to nobody
    normalised = parsed.normalised if parsed is not None else "".join(asked.national_id.split())
    digest = ctx.vault.digest(PersonalKind.NATIONAL_ID, normalised)
    key = f"{PersonalKind.NATIONAL_ID}:{digest}"
    pair = uow.session.execute(
        select(Application, Person)
        .join(Person, col(Person.id) == col(Application.person_id))
        .where(col(Person.national_id_hash) == digest, col(Application.programme_id) == ctx.pid)
    ).first()
    if pair is None or pair[1].birth_date != asked.birth_date:
        return key, None, None
    return key, pair[0], pair[1]
