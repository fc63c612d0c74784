"""The programme describes itself: regions, registration attributes, surveys, benefits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from skillsprogram.api.deps import State, reading
from skillsprogram.api.routes import COMMON
from skillsprogram.api.schemas import ProgrammeOut
from skillsprogram.services import programme_description

router = APIRouter(tags=["programme"])

#: Seconds a client or a cache may keep the description (it changes only with a new release).
MAX_AGE = 300


def negotiate(accept_language: str | None, locales: list[str]) -> str:
    """The programme locale that best matches ``Accept-Language`` (its first when none does)."""
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    return accepted.best_match(locales, default=locales[0]) or locales[0]


@router.get("/programme", response_model=ProgrammeOut, responses=COMMON, summary="The programme")
def programme(
    state: State,
    response: Response,
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
) -> ProgrammeOut:
    """What a registration needs: regions, the attributes the rules read with their allowed
    values, surveys and the benefit schedule, labelled in the caller's language (negotiated
    from ``Accept-Language`` among the programme's locales; the answer's ``Content-Language``
    names it). Public and cacheable."""
    locales = list(state.ctx.config.programme.locales)
    language = negotiate(accept_language, locales)
    with reading(state, None) as (uow, ctx):
        described = programme_description.describe(uow, ctx, language)
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Vary"] = "Accept-Language"
    return ProgrammeOut.model_validate(described)
