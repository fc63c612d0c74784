"""The course catalogue: public, paginated, filterable."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from skillsprogram.api import views
from skillsprogram.api.deps import State, reading
from skillsprogram.api.pagination import Limit, Page, UuidCursor, next_cursor
from skillsprogram.api.routes import COMMON
from skillsprogram.api.schemas import CourseOut, Line
from skillsprogram.services import listings

router = APIRouter(tags=["catalogue"])


@router.get("/courses", response_model=Page[CourseOut], responses=COMMON, summary="Courses on sale")
def courses(
    state: State,
    cursor: UuidCursor = None,
    limit: Limit = 50,
    mode: Annotated[Literal["online", "offline", "hybrid"] | None, Query()] = None,
    field_of_study: Annotated[Line | None, Query(max_length=64)] = None,
    provider: Annotated[Line | None, Query(max_length=64, description="A provider's code")] = None,
    max_price: Annotated[int | None, Query(ge=0, le=10**15)] = None,
) -> Page[CourseOut]:
    """Active courses in id order, filtered by mode, field, provider and price."""
    with reading(state, None) as (uow, _ctx):
        found = listings.courses(
            uow,
            mode=mode,
            field_of_study=field_of_study,
            provider_code=provider,
            max_price=max_price,
            after=cursor,
            limit=limit,
        )
    return Page[CourseOut](items=[views.course(c) for c in found], next_cursor=next_cursor(found, limit))
