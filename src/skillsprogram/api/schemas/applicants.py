"""Bodies of the applicant's routes: registration, the application and what hangs off it
(voucher, purchases, benefits, payouts, accounts), courses bought, ratings, surveys,
grievances."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from skillsprogram.api.schemas.fields import Attribute, Body, Code, Line, LongText, Prose, Text
from skillsprogram.domain.grievances import GrievanceCategory


class RegistrationIn(Body):
    """What an applicant declares, with their consent to the processing of their data."""

    national_id: Annotated[Line, StringConstraints(min_length=1, max_length=64)]
    full_name: Text
    birth_date: date
    sex: Literal["F", "M"]
    region_code: Annotated[Line, StringConstraints(min_length=1, max_length=32)]
    household_number: Annotated[Line, StringConstraints(min_length=1, max_length=64)] | None = None
    phone: Annotated[Line, StringConstraints(min_length=3, max_length=32)] | None = None
    occupation: Annotated[Line, StringConstraints(min_length=1, max_length=64)] | None = None
    in_education: StrictBool = False
    attributes: dict[Annotated[Line, StringConstraints(min_length=1, max_length=64)], Attribute] = Field(
        default_factory=dict, max_length=32, description="Extra declarations the country's rules read"
    )
    consent: StrictBool = Field(
        description="The applicant agrees to the processing of their data; must be true"
    )
    consent_version: Annotated[Line, StringConstraints(min_length=1, max_length=32)] | None = Field(
        default=None,
        description="The version of the consent statement shown (`GET /v1/programme`'s `consent.version`); "
        "another than the current one is refused (422 consent-version-mismatch); omitted: the current one",
    )
    email: Annotated[Line, StringConstraints(min_length=3, max_length=254)] | None = Field(
        default=None, description="Where sign-in codes go, for programmes whose `sign_in.contact` is `email`"
    )
    locale: Annotated[Line, StringConstraints(min_length=2, max_length=16)] | None = Field(
        default=None, description="The applicant's language, one of the programme's `locales`"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "national_id": "1000001",
                    "full_name": "A. Applicant",
                    "birth_date": "2000-01-02",
                    "sex": "F",
                    "region_code": "R1",
                    "consent": True,
                }
            ]
        },
    )


class RegistrationOut(BaseModel):
    """The new application and the applicant's bearer token."""

    application_id: uuid.UUID
    status: str
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str = Field(
        description="Trade at /v1/auth/token (grant_type=refresh_token) for a new access token"
    )


class PersonOut(BaseModel):
    """The person behind an application (personal values masked unless the role may see them)."""

    person_id: uuid.UUID
    full_name: str
    birth_date: date
    sex: str
    region_code: str
    national_id: str
    household_number: str | None
    phone: str | None


class FindingOut(BaseModel):
    """One eligibility rule's verdict."""

    rule: str
    passed: bool
    reason: str | None


class VoucherOut(BaseModel):
    """A training voucher and its balance (from the ledger)."""

    id: uuid.UUID
    status: str
    balance: int
    currency: str
    issued_at: datetime
    first_purchase_deadline: datetime | None
    expires_at: datetime


class VoucherMoveOut(BaseModel):
    """One movement on a voucher, from the ledger."""

    kind: str = Field(
        description="voucher_issue, course_reserve (a course bought, held until redeemed), "
        "course_release (given back), voucher_forfeited, voucher_expired or voucher_revoked"
    )
    amount: int = Field(description="Signed: onto the voucher positive, off it negative")
    at: datetime
    purchase_id: uuid.UUID | None = None
    purchase_status: str | None = None


class VoucherStatementOut(VoucherOut):
    """A voucher with what is held for courses not yet redeemed and its history."""

    held: int = Field(description="Reserved for courses bought and not yet redeemed")
    history: list[VoucherMoveOut] = Field(description="Every movement, oldest first")


class PurchaseOut(BaseModel):
    """A course bought with the voucher."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course_id: uuid.UUID
    price: int
    currency: str
    status: str
    voucher_code: str
    redeem_code: str
    purchased_at: datetime
    redeemed_at: datetime | None


class EntitlementOut(BaseModel):
    """A benefit instalment earned."""

    benefit: str
    period: int
    amount: int
    currency: str
    status: str
    reason: str | None
    due_at: datetime


class PayoutOut(BaseModel):
    """A payout on its way."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    rail: str
    amount: int
    currency: str
    status: str
    attempts: int
    reason: str | None = Field(
        validation_alias=AliasChoices("reason", "last_error"),
        description="Why the last attempt did not pay: the rail's refusal (failed, or a retry "
        "scheduled) or why its fate is unknown; null once paid or before any attempt",
    )
    updated_at: datetime


class AccountOut(BaseModel):
    """A payment account (its number masked unless the role may see it)."""

    id: uuid.UUID
    rail: str
    account_number: str
    holder_name: str
    status: str
    status_reason: str | None
    chosen: bool = Field(default=False, description="Whether the person chose this account to be paid into")


class ApplicationOut(BaseModel):
    """An application and everything hanging from it."""

    id: uuid.UUID
    status: str
    wave: int | None
    region_code: str
    registered_at: datetime
    status_changed_at: datetime
    person: PersonOut
    findings: list[FindingOut]
    voucher: VoucherOut | None
    purchases: list[PurchaseOut]
    entitlements: list[EntitlementOut]
    payouts: list[PayoutOut]
    payment_accounts: list[AccountOut]


class ApplicationSummary(BaseModel):
    """An application without personal data (for lists)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    wave: int | None = Field(description="The number of the wave applied in, as in the application record")
    region_code: str
    registered_at: datetime
    status_changed_at: datetime


class TimelineEvent(BaseModel):
    """One step of an application's history."""

    id: int
    occurred_at: datetime
    entity: str
    action: str
    from_status: str | None
    to_status: str | None


class PartyOut(BaseModel):
    """A training provider or a platform, by its code and name."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str


class CourseOut(BaseModel):
    """A course on sale, with the provider who teaches it and the platform that sells it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    title: str
    description: str | None = None
    field_of_study: str
    mode: str
    price: int
    currency: str
    duration_days: int
    provider: PartyOut
    platform: PartyOut


class PurchaseIn(Body):
    """A course to buy with the voucher."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"course_id": "0b7f2f5e-6d3c-4b8e-9a51-2f0c7d9e4a10"}]},
    )

    course_id: uuid.UUID


class RatingIn(Body):
    """A rating of a completed course."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"stars": 5, "comment": "clear and practical"}]}
    )

    stars: StrictInt = Field(ge=1, le=5)
    comment: Annotated[Prose, StringConstraints(max_length=2_000)] | None = None


class RatingOut(BaseModel):
    """A recorded rating."""

    purchase_id: uuid.UUID
    stars: int
    comment: str | None
    rated_at: datetime


class SurveyIn(Body):
    """Answers keyed by question."""

    answers: dict[
        Annotated[Line, StringConstraints(min_length=1, max_length=64)],
        Annotated[Prose, StringConstraints(max_length=2_000)],
    ] = Field(max_length=100, examples=[{"useful": "yes", "employed": "no"}])


class SurveyOut(BaseModel):
    """A stored survey response."""

    id: uuid.UUID
    survey: str
    submitted_at: datetime


class AccountIn(Body):
    """An e-wallet or bank account to be paid into."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rail": "wallet", "account_number": "W000000001"}]}
    )

    rail: Code
    account_number: Annotated[Line, StringConstraints(min_length=1, max_length=64)]


class GrievanceIn(Body):
    """A complaint about one's own application."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "payment",
                    "subject": "Incentive not received",
                    "description": "My first incentive was due on 3 March and has not arrived.",
                }
            ]
        },
    )

    category: GrievanceCategory
    subject: Text
    description: LongText


class GrievanceOut(BaseModel):
    """A complaint and its answer."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    application_id: uuid.UUID
    category: str
    subject: str
    description: str
    status: str
    resolution: str | None
    filed_at: datetime
    updated_at: datetime


class GrievanceAnswerIn(Body):
    """An officer's answer: upheld (resolved) or not (rejected)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"upheld": True, "resolution": "The payment was resent to your verified account."}]
        },
    )

    upheld: StrictBool
    resolution: LongText
