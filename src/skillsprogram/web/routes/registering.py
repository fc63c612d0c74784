"""Registering: a form built from what the programme asks, sent to the registration service.

The fields come from the programme's description (its regions, the attributes its plugins
read, with their allowed values, labelled in the person's language), so a country plugin
that declares an attribute adds a field without touching a template. The form is checked
with the API's own body model and registered by the same service the API calls; whatever
is refused is shown beside its field, with what the person typed kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from skillsprogram.api.deps import reading, transaction
from skillsprogram.api.schemas import RegistrationIn
from skillsprogram.domain.exchange import RegistrationRequest
from skillsprogram.errors import DomainError, ValidationFailed
from skillsprogram.services import programme_description, registration
from skillsprogram.services.programme_description import AttributeEntry, ProgrammeDescription
from skillsprogram.web.forms import TOKENS, FieldErrors, SentForm, Submission, field_errors, kept, values_of
from skillsprogram.web.messages import DOMAIN_MESSAGES
from skillsprogram.web.rendering import translate
from skillsprogram.web.routes.public import pages
from skillsprogram.web.sessions import locale_of, sign_in

router = APIRouter(include_in_schema=False)

#: The declaration's own fields, as the API names them.
FIELDS = (
    "national_id",
    "full_name",
    "birth_date",
    "sex",
    "region_code",
    "household_number",
    "phone",
    "email",
    "occupation",
    "consent_version",
)
ATTRIBUTE = "attributes."


def _described(request: Request) -> ProgrammeDescription:
    with reading(request.app.state.api, None) as (uow, ctx):
        return programme_description.describe(uow, ctx, locale_of(request))


def _form_page(
    request: Request,
    described: ProgrammeDescription,
    values: dict[str, str],
    errors: FieldErrors,
    status: int = 200,
) -> Response:
    shown = {
        "described": described,
        "values": values,
        "errors": errors,
        "attribute_prefix": ATTRIBUTE,
        "region_options": region_options(described),
        "choice_options": {
            spec.name: [(_form_value(c.value), c.label) for c in spec.choices]
            for spec in described.registration_attributes
        },
    }
    return pages(request).render(request, "register.html", shown, status_code=status)


def _form_value(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def region_options(described: ProgrammeDescription) -> list[tuple[str, str]]:
    """The regions a person may live in: the finest level of the programme's hierarchy
    (a regency, a district), each named with the region above it."""
    if not described.regions:
        return []
    finest = max(region.level for region in described.regions)
    names = {region.code: region.name for region in described.regions}
    return sorted(
        (
            (r.code, f"{r.name}, {names[r.parent]}" if r.parent in names else r.name)
            for r in described.regions
            if r.level == finest
        ),
        key=lambda option: option[1],
    )


@router.get("/register")
def registration_form(request: Request) -> Response:
    """The registration form of the programme, in the person's language."""
    return _form_page(request, _described(request), {}, FieldErrors())


def _attribute_value(spec: AttributeEntry, raw: str) -> Any:
    if spec.type == "boolean":
        return raw == "true" if raw in ("true", "false") else raw
    if spec.type == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw  # refused by the attribute check, beside its field
    return raw


def declaration(form: FormData, described: ProgrammeDescription) -> dict[str, Any]:
    """The form as the API's registration body (the empty fields left out)."""
    body: dict[str, Any] = values_of(form, FIELDS)
    attributes: dict[str, Any] = {}
    for spec in described.registration_attributes:
        raw = form.get(ATTRIBUTE + spec.name)
        if spec.type == "boolean" and raw is None and spec.required:
            attributes[spec.name] = False
        elif isinstance(raw, str) and raw.strip():
            attributes[spec.name] = _attribute_value(spec, raw.strip())
    body["attributes"] = attributes
    body["in_education"] = form.get("in_education") == "true"
    body["consent"] = form.get("consent") == "true"
    return body


def _declared(request: Request, form: FormData, described: ProgrammeDescription) -> dict[str, Any]:
    """The form as the API's registration body, in the language the person reads the portal in."""
    return {**declaration(form, described), "locale": locale_of(request)}


@router.post("/register")
def register(request: Request, form: SentForm) -> Response:
    """Register, sign the new applicant in, and show them their application."""
    described = _described(request)
    submission = Submission(request, form)
    if (replayed := submission.replayed()) is not None:
        return replayed
    state = request.app.state.api
    try:
        state.registration_limit.hit(request.client.host if request.client else "unknown")
        body = _declared(request, form, described)
        # The fields first, so that a form sent without consent shows every field's error too.
        checked = RegistrationIn.model_validate(body)
        if not body["consent"]:
            raise ValidationFailed("consent is needed", code="consent-required", field="consent")
        with transaction(state, None) as (uow, ctx):
            application_id = registration.register(
                uow, ctx, RegistrationRequest(**checked.model_dump(exclude={"consent"}))
            )
    except (ValidationError, DomainError) as error:
        submission.failed()
        errors = field_errors(request, error)
        if isinstance(error, ValidationError) and not body["consent"]:
            errors.by_field["consent"] = translate(request, DOMAIN_MESSAGES["consent-required"])
        typed = kept(form, TOKENS)
        if "consent_version" in errors.by_field:  # a hidden field: said beside the checkbox,
            errors.by_field["consent"] = errors.by_field.pop("consent_version")
            typed.pop("consent", None)  # which the new statement needs ticked again
        return _form_page(request, described, typed, errors, 422)
    except BaseException:
        submission.failed()
        raise
    sign_in(request, application_id)
    return submission.done("/me")
