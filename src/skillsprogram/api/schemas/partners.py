"""Bodies of the platform and provider routes: courses published, redemptions,
completions and attendance sent in batches, and the per-item results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from skillsprogram.api.schemas.applicants import CourseOut
from skillsprogram.api.schemas.fields import Body, Code, Line, LongText, Money, Prose, Text
from skillsprogram.services.training import AttendanceRow


class CourseIn(Body):
    """A course a platform or provider publishes."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "WELD-101",
                    "title": "Basic welding",
                    "field_of_study": "manufacturing",
                    "mode": "offline",
                    "price": 400000,
                    "duration_days": 30,
                    "provider_code": "p1",
                    "provider_name": "Harbour Institute",
                    "platform_code": "tm",
                    "platform_name": "Testmarket",
                }
            ]
        },
    )

    code: Code
    title: Text
    description: LongText | None = Field(
        default=None, description="What the course teaches (shown in the catalogue, and searched)"
    )
    field_of_study: Code
    mode: Literal["online", "offline", "hybrid"]
    price: Money
    duration_days: StrictInt = Field(default=30, ge=1, le=3_650)
    provider_code: Code
    provider_name: Text
    platform_code: Code
    platform_name: Text


class RedemptionsIn(Body):
    """Redeem codes beneficiaries brought to the provider."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"codes": ["K7QW2M9XPA3D"]}]})

    codes: list[Annotated[Line, StringConstraints(min_length=1, max_length=32)]] = Field(
        min_length=1, max_length=1_000
    )


class CompletionItem(Body):
    """One course finished."""

    purchase_id: uuid.UUID
    certificate_number: Annotated[Line, StringConstraints(min_length=1, max_length=64)]
    score: StrictInt | None = Field(default=None, ge=0, le=100)


class CompletionsIn(Body):
    """A provider's upload of completions."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "purchase_id": "0b7f2f5e-6d3c-4b8e-9a51-2f0c7d9e4a10",
                            "certificate_number": "CERT-2025-0001",
                            "score": 87,
                        }
                    ]
                }
            ]
        },
    )

    items: list[CompletionItem] = Field(min_length=1, max_length=1_000)


class AttendanceItem(AttendanceRow):
    """One month's attendance for one enrolment (a line of ``run report-attendance``'s file)."""


class AttendanceIn(Body):
    """A provider's monthly attendance upload."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "purchase_id": "0b7f2f5e-6d3c-4b8e-9a51-2f0c7d9e4a10",
                            "period": "2025-02",
                            "attendance_percent": 92,
                        }
                    ]
                }
            ]
        },
    )

    items: list[AttendanceItem] = Field(min_length=1, max_length=1_000)


class ItemProblem(BaseModel):
    """Why one item of a batch was refused."""

    type: str
    code: str
    detail: str


class ItemResult(BaseModel):
    """What became of one item of a batch (refused items wrote nothing)."""

    index: int
    ok: bool
    id: str | None = None
    problem: ItemProblem | None = None


class BatchOut(BaseModel):
    """One result per item, in the order sent."""

    accepted: int
    refused: int
    results: list[ItemResult]


class CoursePublished(BaseModel):
    """A course now on sale."""

    id: uuid.UUID
    code: str


class CourseChangeIn(Body):
    """What a publisher changes of one of its courses: the price (for purchases from now
    on) and the description (empty to remove it). A field left out stays as it is."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"price": 450000, "description": "Six weeks."}]}
    )

    price: Money | None = None
    description: Annotated[Prose, StringConstraints(max_length=5_000)] | None = None


class OwnCourseOut(CourseOut):
    """One of the caller's courses, on sale or withdrawn."""

    on_sale: bool


class EnrolmentOut(BaseModel):
    """A purchase of one of the caller's courses."""

    id: uuid.UUID
    course_id: uuid.UUID
    course_code: str
    course_title: str
    status: str
    price: int
    currency: str
    purchased_at: datetime
    redeemed_at: datetime | None
    completed_at: datetime | None


class OrganisationSummaryOut(BaseModel):
    """The caller's courses on sale and withdrawn, and its enrolments by state."""

    courses_on_sale: int
    courses_withdrawn: int
    enrolments: dict[str, int]
