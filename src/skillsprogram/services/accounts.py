"""Payment accounts: a beneficiary names an e-wallet or bank account, the rail confirms it."""

from __future__ import annotations

import unicodedata
import uuid

from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import AccountStatus, EntitlementStatus
from skillsprogram.domain.models import Application, Entitlement, Person
from skillsprogram.domain.models import PaymentAccount as AccountRow
from skillsprogram.errors import DomainError, NotFound
from skillsprogram.privacy import PersonalKind, mask
from skillsprogram.services.audit import Change, record
from skillsprogram.services.benefits import schedule_payouts_for
from skillsprogram.storage.uow import UnitOfWork


def same_name(a: str, b: str) -> bool:
    """Compare holder names as banks do: case, accents and spacing aside."""

    def fold(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return " ".join(plain.casefold().split())

    return fold(a) == fold(b)


def add_payment_account(
    uow: UnitOfWork, ctx: ProgrammeContext, person_id: uuid.UUID, rail_code: str, account_number: str
) -> AccountRow:
    """Register an account and have its rail confirm it exists in the person's own name.

    A confirmed account is ``verified`` and any earned benefit waiting for it is
    scheduled for payout at once; otherwise it is ``rejected`` with the reason.
    """
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}", code="person-not-found")
    rail = ctx.rail(rail_code)
    number = "".join(account_number.split())
    digest = ctx.vault.digest(PersonalKind.ACCOUNT_NUMBER, number)
    taken = uow.session.execute(
        select(AccountRow).where(AccountRow.rail == rail_code, AccountRow.number_hash == digest)  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if taken is not None and taken.person_id != person_id:
        raise DomainError("this account is registered to someone else", code="account-taken")
    if taken is not None:
        return taken
    check = rail.validate_account(number, person.full_name)
    now = ctx.clock.now()
    if not check.valid:
        status, reason = AccountStatus.REJECTED, check.reason or "the rail does not know this account"
    elif check.holder_name is not None and not same_name(check.holder_name, person.full_name):
        status, reason = AccountStatus.REJECTED, "the account is not in the beneficiary's own name"
    else:
        status, reason = AccountStatus.VERIFIED, None
    account = AccountRow(
        person_id=person_id,
        rail=rail_code,
        number_hash=digest,
        number_enc=ctx.vault.encrypt(number),
        holder_name=check.holder_name or person.full_name,
        status=status.value,
        status_reason=reason,
        verified_at=now if status is AccountStatus.VERIFIED else None,
        created_at=now,
    )
    uow.session.add(account)
    uow.session.flush()
    record(
        uow,
        ctx,
        [
            Change(
                "payment_account",
                account.id,
                "account_verified" if reason is None else "account_rejected",
                None,
                account.status,
                {
                    "person_id": str(person_id),
                    "rail": rail_code,
                    "number": mask(number),
                    **({"reason": reason} if reason else {}),
                },
            )
        ],
    )
    if status is AccountStatus.VERIFIED:
        waiting = (
            uow.session.execute(
                select(Entitlement.id)
                .join(Application, Application.id == Entitlement.application_id)  # type: ignore[arg-type]
                .where(
                    Application.person_id == person_id,  # type: ignore[arg-type]
                    Entitlement.status == EntitlementStatus.EARNED.value,
                )  # type: ignore[arg-type]
            )
            .scalars()
            .all()
        )
        schedule_payouts_for(uow, ctx, list(waiting))
    return account
