"""The applicant's payment accounts: name one, see whether the rail verified it, choose
the one paid.

Accounts are added through the service the API's ``POST /v1/applications/{id}/payment-
accounts`` calls, checked with the same body model; the rail answers at once, so the list
shows straight away which account is verified and, for one refused, the rail's reason.
Numbers are shown masked, as the API shows them to the applicant.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from skillsprogram.api.schemas import AccountIn
from skillsprogram.api.security import Principal
from skillsprogram.context import ProgrammeContext
from skillsprogram.privacy import mask
from skillsprogram.services import accounts, records
from skillsprogram.storage.uow import UnitOfWork
from skillsprogram.web.forms import SentForm, values_of
from skillsprogram.web.routes.applicant import own_form, own_page

router = APIRouter(include_in_schema=False)

#: The page of accounts.
ACCOUNTS = "applicant/accounts.html"
#: The fields of the form, as the API names them.
FIELDS = ("rail", "account_number")


def _accounts(uow: UnitOfWork, ctx: ProgrammeContext, me: Principal) -> Mapping[str, Any]:
    assert me.application_id is not None
    found = records.payment_accounts(uow, ctx, me.application_id, limit=200)
    return {
        "accounts": [(account, mask(number)) for account, number in found],
        "rails": {code: rail.name for code, rail in ctx.rails.items()},
    }


@router.get("/me/accounts")
def my_accounts(request: Request) -> Response:
    """The accounts named so far, and the form to name another."""
    return own_page(request, ACCOUNTS, _accounts)


@router.post("/me/accounts")
def add_account(request: Request, form: SentForm) -> Response:
    """Name an account; the rail verifies it at once."""

    def act(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> str:
        body = AccountIn.model_validate(values_of(form, FIELDS))
        accounts.add_applicant_account(uow, ctx, application_id, body.rail, body.account_number)
        return "/me/accounts"

    return own_form(request, form, ACCOUNTS, _accounts, act)


@router.post("/me/accounts/{account_id}/choice")
def choose_account(request: Request, account_id: uuid.UUID, form: SentForm) -> Response:
    """Choose the verified account payments go to."""

    def act(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> str:
        accounts.choose_paid_account(uow, ctx, application_id, account_id)
        return "/me/accounts"

    return own_form(request, form, ACCOUNTS, _accounts, act)
