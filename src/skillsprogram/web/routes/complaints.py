"""The applicant's complaints: file one, follow it, read the answer.

Filed through the service the API's ``POST /v1/applications/{id}/grievances`` calls,
checked with the same body model; another applicant's complaint is not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from skillsprogram.api.schemas import GrievanceIn
from skillsprogram.api.security import Principal
from skillsprogram.context import ProgrammeContext
from skillsprogram.services import grievances
from skillsprogram.services.grievances import GrievanceFiling
from skillsprogram.storage.uow import UnitOfWork
from skillsprogram.web.forms import SentForm, values_of
from skillsprogram.web.routes.applicant import own_form, own_page

router = APIRouter(include_in_schema=False)

#: The page of complaints.
COMPLAINTS = "applicant/complaints.html"
#: The fields of the form, as the API names them.
FIELDS = ("category", "subject", "description")


def _complaints(uow: UnitOfWork, ctx: ProgrammeContext, me: Principal) -> Mapping[str, Any]:
    assert me.application_id is not None  # never every applicant's complaints
    found = grievances.grievances(uow, ctx, application_id=me.application_id, limit=200)
    return {"complaints": sorted(found, key=lambda g: g.filed_at, reverse=True)}


@router.get("/me/complaints")
def my_complaints(request: Request) -> Response:
    """The complaints filed, newest first, and the form to file one."""
    return own_page(request, COMPLAINTS, _complaints)


@router.post("/me/complaints")
def file_complaint(request: Request, form: SentForm) -> Response:
    """File a complaint; then show it."""

    def act(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> str:
        body = GrievanceIn.model_validate(values_of(form, FIELDS))
        filed = grievances.file_grievance(
            uow, ctx, GrievanceFiling(application_id, body.category.value, body.subject, body.description)
        )
        return f"/me/complaints/{filed.id}"

    return own_form(request, form, COMPLAINTS, _complaints, act)


@router.get("/me/complaints/{grievance_id}")
def my_complaint(request: Request, grievance_id: uuid.UUID) -> Response:
    """One complaint: what was said, where it stands, the answer once given."""

    def read(uow: UnitOfWork, ctx: ProgrammeContext, me: Principal) -> Mapping[str, Any]:
        assert me.application_id is not None
        return {"complaint": grievances.grievance_of(uow, ctx, me.application_id, grievance_id)}

    return own_page(request, "applicant/complaint.html", read)
