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
    q: Annotated[
        Line | None,
        Query(max_length=100, description="Words the title, description, code or field contains"),
    ] = None,
    mode: Annotated[Literal["online", "offline", "hybrid"] | None, Query()] = None,
    region: Annotated[
        Line | None,
        Query(
            max_length=32,
            description="A region's code: offline and hybrid courses of providers in it or its "
            "sub-regions, and every online course",
        ),
    ] = None,
    field_of_study: Annotated[Line | None, Query(max_length=64)] = None,
    provider: Annotated[Line | None, Query(max_length=64, description="A provider's code")] = None,
    min_price: Annotated[int | None, Query(ge=0, le=10**15, description="In the minor unit")] = None,
    max_price: Annotated[int | None, Query(ge=0, le=10**15, description="In the minor unit")] = None,
) -> Page[CourseOut]:
    """Active courses in id order, found by words and filtered by mode, region, field,
    provider and price range (the portal's catalogue offers the same filters)."""
    wanted = listings.CourseFilter(
        search=q,
        mode=mode,
        region_code=region,
        field_of_study=field_of_study,
        provider_code=provider,
        min_price=min_price,
        max_price=max_price,
    )
    with reading(state, None) as (uow, _ctx):
        found = listings.courses(uow, wanted, after=cursor, limit=limit)
    return Page[CourseOut](items=[views.course(c) for c in found], next_cursor=next_cursor(found, limit))
