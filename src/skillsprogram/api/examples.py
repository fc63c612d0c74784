"""The example registration of the OpenAPI document, from the programme's country plugin.

The core knows no country: the ``skillsprogram_registration_example`` hook supplies the
example of the programme the API serves (none when no plugin answers).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import RegistrationRequest

REGISTRATIONS = "/v1/registrations"


def registration_body(example: RegistrationRequest) -> dict[str, Any]:
    """The JSON body of ``POST /v1/registrations`` for ``example``, consent given;
    fields left at their defaults are left out."""
    body: dict[str, Any] = {}
    for field in dataclasses.fields(example):
        value = getattr(example, field.name)
        if value is None or (field.name in ("in_education", "attributes") and not value):
            continue
        body[field.name] = value.isoformat() if field.name == "birth_date" else value
    body["attributes"] = dict(example.attributes)
    return {**body, "consent": True}


def add_registration_example(schema: dict[str, Any], ctx: ProgrammeContext) -> None:
    """Set the programme's example on the registration request body of ``schema``."""
    example = ctx.hook.skillsprogram_registration_example(programme=ctx.config)
    if example is None:
        return
    operation = schema.get("paths", {}).get(REGISTRATIONS, {}).get("post")
    if operation is None:
        return
    content = operation["requestBody"]["content"]["application/json"]
    content["examples"] = {
        ctx.config.programme.code: {"summary": ctx.config.programme.name, "value": registration_body(example)}
    }
