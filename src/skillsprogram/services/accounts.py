"""Payment accounts: a beneficiary names an e-wallet or bank account, the rail confirms it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import AccountCheck
from skillsprogram.domain.lifecycle import AccountStatus, EntitlementStatus
from skillsprogram.domain.models import Application, Entitlement, Person
from skillsprogram.domain.models import PaymentAccount as AccountRow
from skillsprogram.domain.names import NO_TITLES, Titles, same_name
from skillsprogram.domain.types import new_id
from skillsprogram.errors import AccountNotVerified, DomainError, NotFound, ValidationFailed
from skillsprogram.privacy import PersonalKind, mask
from skillsprogram.services.audit import Change, record
from skillsprogram.services.benefits import schedule_payouts_for
from skillsprogram.services.outcomes import Outcome, each, single
from skillsprogram.services.records import application_in
from skillsprogram.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class AccountRequest:
    """A person naming an account on a rail to be paid into."""

    person_id: uuid.UUID
    rail: str
    account_number: str


def add_payment_account(
    uow: UnitOfWork, ctx: ProgrammeContext, person_id: uuid.UUID, rail_code: str, account_number: str
) -> AccountRow:
    """Register one account (see :func:`add_payment_accounts`)."""
    account_id = single(
        add_payment_accounts(uow, ctx, [AccountRequest(person_id, rail_code, account_number)])
    )
    account = uow.session.get(AccountRow, account_id)
    assert account is not None
    return account


def add_applicant_account(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, rail_code: str, account_number: str
) -> AccountRow:
    """The applicant of ``application_id`` (of this programme) names an account of their
    own (see :func:`add_payment_accounts`)."""
    person_id = application_in(uow, ctx, application_id).person_id
    return add_payment_account(uow, ctx, person_id, rail_code, account_number)


def choose_paid_account(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, account_id: uuid.UUID
) -> AccountRow:
    """The applicant of ``application_id`` chooses which of their verified accounts their
    payments go to from now on (payouts already scheduled keep theirs). Another person's
    account is not found; one the rail did not verify is refused."""
    person_id = application_in(uow, ctx, application_id).person_id
    owned = list(
        uow.session.execute(
            select(AccountRow).where(col(AccountRow.person_id) == person_id).with_for_update()
        ).scalars()
    )
    account = next((a for a in owned if a.id == account_id), None)
    if account is None:
        raise NotFound(f"no payment account {account_id} of this applicant", code="account-not-found")
    if account.status != AccountStatus.VERIFIED.value:
        raise AccountNotVerified("only a verified account can be chosen to be paid into")
    if account.chosen_at is not None:
        return account
    now = ctx.clock.now()
    for other in owned:
        other.chosen_at = now if other.id == account.id else None
    uow.session.flush()
    record(
        uow,
        ctx,
        [
            Change(
                "payment_account",
                account.id,
                "account_chosen",
                data={"person_id": str(person_id), "rail": account.rail},
            )
        ],
    )
    return account


def add_payment_accounts(
    uow: UnitOfWork, ctx: ProgrammeContext, requests: Sequence[AccountRequest]
) -> list[Outcome[uuid.UUID]]:
    """Register accounts and have each rail confirm the account exists in the person's own name.

    A confirmed account is ``verified`` and any benefit already earned that was
    waiting for it is scheduled for payout at once; otherwise it is stored as
    ``rejected`` with the rail's reason, so the person can be told what to fix.
    Naming an account already registered to the same person returns it; one
    registered to someone else is refused, also when both name it at the same moment
    (the unique key on rail and number settles it, and the loser is checked again).
    """
    return uow.recheck_on_conflict(lambda: _add_accounts(uow, ctx, requests))


def _add_accounts(
    uow: UnitOfWork, ctx: ProgrammeContext, requests: Sequence[AccountRequest]
) -> list[Outcome[uuid.UUID]]:
    persons = {
        p.id: p for p in uow.scalars_among(select(Person), col(Person.id), [r.person_id for r in requests])
    }
    numbers = ["".join(r.account_number.split()) for r in requests]
    digests = [
        (r.rail, ctx.vault.digest(PersonalKind.ACCOUNT_NUMBER, n))
        for r, n in zip(requests, numbers, strict=True)
    ]
    taken = {
        (row.rail, row.number_hash): row
        for row in uow.scalars_among(
            select(AccountRow), col(AccountRow.number_hash), [d for _r, d in digests]
        )
    }
    now = ctx.clock.now()
    rows: list[dict[str, Any]] = []
    changes: list[Change] = []
    verified_people: list[uuid.UUID] = []

    def add(item: tuple[AccountRequest, str, tuple[str, str]]) -> uuid.UUID:
        request, number, key = item
        person = persons.get(request.person_id)
        if person is None:
            raise NotFound(f"no person {request.person_id}", code="person-not-found")
        if not number:
            raise ValidationFailed(
                "the account number is empty", code="invalid-account", field="account_number"
            )
        rail = ctx.rail(request.rail)
        existing = taken.get(key)
        if existing is not None:
            if existing.person_id != person.id:
                raise DomainError("this account is registered to someone else", code="account-taken")
            return existing.id
        check = rail.validate_account(number, person.full_name)
        status, reason = account_verdict(
            check, person.full_name, "the beneficiary's own name", name_titles(ctx)
        )
        row = AccountRow(
            id=new_id(),
            person_id=person.id,
            rail=request.rail,
            number_hash=key[1],
            number_enc=ctx.vault.encrypt(number),
            holder_name=check.holder_name or person.full_name,
            status=status.value,
            status_reason=reason,
            verified_at=now if status is AccountStatus.VERIFIED else None,
            created_at=now,
        )
        taken[key] = row
        rows.append(row.model_dump())
        changes.append(
            Change(
                "payment_account",
                row.id,
                "account_verified" if reason is None else "account_rejected",
                None,
                row.status,
                {
                    "person_id": str(person.id),
                    "rail": request.rail,
                    "number": mask(number),
                    **({"reason": reason} if reason else {}),
                },
            )
        )
        if status is AccountStatus.VERIFIED:
            verified_people.append(person.id)
        return row.id

    outcomes = each(zip(requests, numbers, digests, strict=True), add)
    if rows:
        uow.insert_rows(AccountRow, rows)
    record(uow, ctx, changes)
    if verified_people:
        waiting = (
            select(col(Entitlement.id))
            .join(Application, col(Application.id) == Entitlement.application_id)
            .where(col(Entitlement.status) == EntitlementStatus.EARNED.value)
        )
        schedule_payouts_for(
            uow, ctx, list(uow.scalars_among(waiting, col(Application.person_id), verified_people))
        )
    return outcomes


def name_titles(ctx: ProgrammeContext) -> Titles:
    """The titles the programme's names may start with (``[identity] name_titles``)."""
    return Titles.of(tuple(ctx.config.identity.name_titles))


def account_verdict(
    check: AccountCheck, holder_name: str, whose: str, titles: Titles = NO_TITLES
) -> tuple[AccountStatus, str | None]:
    """What a rail's account check means for an account declared in ``holder_name``: verified,
    or rejected with the reason (unknown to the rail, or not in ``whose`` name, the
    programme's ``titles`` aside)."""
    if not check.valid:
        return AccountStatus.REJECTED, check.reason or "the rail does not know this account"
    if check.holder_name is not None and not same_name(check.holder_name, holder_name, titles):
        return AccountStatus.REJECTED, f"the account is not in {whose}"
    return AccountStatus.VERIFIED, None
