"""The course catalogue, open to anyone, and buying a course with the voucher.

The catalogue is the API's ``GET /v1/courses``: the same service and the same filters
(words, mode, region, field, provider, price range), read from a form sent by GET so a
search can be bookmarked and works without JavaScript. A signed-in applicant with an
active voucher buys from the course's page; the form is claimed once, so a double click
buys once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from skillsprogram.api.deps import reading
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.types import uuid_or_none
from skillsprogram.i18n import N_
from skillsprogram.services import listings, programme_description, vouchers
from skillsprogram.storage.uow import UnitOfWork
from skillsprogram.web.forms import FieldErrors, SentForm, minor_units
from skillsprogram.web.rendering import translate
from skillsprogram.web.routes.applicant import SIGN_IN, handled, signed_in_applicant
from skillsprogram.web.routes.public import pages
from skillsprogram.web.routes.registering import region_options
from skillsprogram.web.sessions import applicant, locale_of

router = APIRouter(include_in_schema=False)

#: Courses on one page of the catalogue.
PAGE_SIZE = 20
#: The catalogue's filters, as its form names them.
FILTERS = ("q", "mode", "region", "field", "provider", "min_price", "max_price")
MODES = ("online", "offline", "hybrid")


def course_filter(
    request: Request, params: Mapping[str, str]
) -> tuple[listings.CourseFilter, dict[str, str], FieldErrors]:
    """The catalogue's form as a filter of the catalogue service, the values to show again,
    and what could not be read (beside its field; that filter is then left out)."""
    values = {name: params.get(name, "").strip() for name in FILTERS}
    errors = FieldErrors()
    wanted = listings.CourseFilter(
        search=values["q"][:100] or None,
        mode=values["mode"] if values["mode"] in MODES else None,
        region_code=values["region"][:32] or None,
        field_of_study=values["field"][:64] or None,
        provider_code=values["provider"][:64] or None,
    )
    digits = request.app.state.api.ctx.config.programme.currency_minor_units()
    prices: dict[str, int | None] = {}
    for name in ("min_price", "max_price"):
        read = minor_units(values[name], digits) if values[name] else None
        prices[name] = read if isinstance(read, int) else None
        if values[name] and prices[name] is None:
            errors.by_field[name] = translate(request, N_("Please give an amount, such as 500000."))
    return replace(wanted, min_price=prices["min_price"], max_price=prices["max_price"]), values, errors


#: How long the filters' choices (fields, providers, regions) are kept before read again.
CHOICES_SECONDS = 60.0


@dataclass
class _Kept:
    read_at: float
    choices: listings.CatalogueChoices
    regions: list[tuple[str, str]]


def filter_choices(
    request: Request, uow: UnitOfWork, ctx: ProgrammeContext
) -> tuple[listings.CatalogueChoices, list[tuple[str, str]]]:
    """What the catalogue's filters offer: read from the services at most once a minute per
    process (a course published shows in the list at once, and in the choices within the
    minute), so that a page of the catalogue costs the search and little more."""
    kept: dict[str, _Kept] = request.app.state.__dict__.setdefault("catalogue_choices", {})
    locale = locale_of(request)
    found = kept.get(locale)
    now = time.monotonic()
    if found is None or now - found.read_at > CHOICES_SECONDS:
        described = programme_description.describe(uow, ctx, locale)
        found = _Kept(now, listings.catalogue_choices(uow), region_options(described))
        kept[locale] = found
    return found.choices, found.regions


@router.get("/courses")
def catalogue(request: Request) -> Response:
    """The courses on sale, found by words and narrowed by the filters, a page at a time."""
    wanted, values, errors = course_filter(request, request.query_params)
    after = uuid_or_none(request.query_params.get("after"))  # a cursor tampered with: the first page
    with reading(request.app.state.api, None) as (uow, ctx):
        found = listings.courses(uow, wanted, after=after, limit=PAGE_SIZE + 1)
        choices, regions = filter_choices(request, uow, ctx)
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    shown = {k: v for k, v in values.items() if v}
    next_page = f"/courses?{urlencode({**shown, 'after': str(found[-1].id)})}" if more else None
    return pages(request).render(
        request,
        "catalogue/courses.html",
        {
            "courses": found,
            "values": values,
            "errors": errors,
            "choices": choices,
            "regions": regions,
            "next_page": next_page,
        },
    )


def _course_page(
    request: Request, course_id: uuid.UUID, errors: FieldErrors | None = None, status: int = 200
) -> Response:
    principal = applicant(request)
    with reading(request.app.state.api, principal) as (uow, _ctx):
        entry = listings.course(uow, course_id)
        balance = (
            vouchers.spendable_balance(uow, principal.application_id)
            if principal is not None and principal.application_id is not None
            else None
        )
    return pages(request).render(
        request,
        "catalogue/course.html",
        {
            "entry": entry,
            "balance": balance,
            "errors": errors or FieldErrors(),
            "sign_in": f"{SIGN_IN}?next=/courses/{course_id}",
        },
        status_code=status,
    )


@router.get("/courses/{course_id}")
def course(request: Request, course_id: uuid.UUID) -> Response:
    """One course: what it teaches, how, who teaches it, its price; the way to buy it."""
    return _course_page(request, course_id)


@router.post("/courses/{course_id}/purchase")
def buy(request: Request, course_id: uuid.UUID, form: SentForm) -> Response:
    """Buy the course with the voucher, then show its redeem code."""
    principal = signed_in_applicant(request)
    if isinstance(principal, Response):
        return principal
    application_id = principal.application_id
    assert application_id is not None

    def act(uow: UnitOfWork, ctx: ProgrammeContext) -> str:
        bought = vouchers.purchase_course(uow, ctx, application_id, course_id)
        return f"/me/purchases/{bought.id}"

    def again(errors: FieldErrors, _values: dict[str, str], status: int) -> Response:
        return _course_page(request, course_id, errors, status)

    return handled(request, form, principal, act, again)
