"""Request and response bodies. Request bodies forbid unknown fields, so no one can slip a
``status`` or a ``balance`` into a request; personal values in responses are masked
unless the caller's role may see them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from skillsprogram.domain.access import ClientRole, GrievanceCategory
from skillsprogram.services.rail_callbacks import CallbackOutcome, CallbackRow
from skillsprogram.services.training import AttendanceRow
from skillsprogram.text import forbidden_character


def _one_line(value: str) -> str:
    return _clean(value, multiline=False)


def _running_text(value: str) -> str:
    return _clean(value, multiline=True)


def _clean(value: str, *, multiline: bool) -> str:
    found = forbidden_character(value, multiline=multiline)
    if found is not None:
        allowed = "only tabs and line breaks" if multiline else "none"
        raise PydanticCustomError(
            "forbidden_character",
            "contains {character}; control characters allowed here: {allowed}",
            {"character": found, "allowed": allowed},
        )
    return value


#: A single line of text (a name, a code, a number): no NUL, control character or lone
#: surrogate. Every string of a request (body, query, path, form) is one, or :data:`Prose`.
Line = Annotated[str, AfterValidator(_one_line)]
#: Running text (a complaint, a comment, an answer): a :data:`Line` that may hold tabs and
#: line breaks.
Prose = Annotated[str, AfterValidator(_running_text)]
#: The largest integer a ``BIGINT`` column holds.
INT64_MAX = 2**63 - 1

Text = Annotated[Line, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[Prose, StringConstraints(min_length=1, max_length=5_000)]
Code = Annotated[Line, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
#: An extra declaration: a short line, a whole number a database column can hold, or a flag.
Attribute = (
    Annotated[Line, StringConstraints(max_length=500)]
    | Annotated[StrictInt, Field(ge=-INT64_MAX, le=INT64_MAX)]
    | StrictBool
)
Money = Annotated[StrictInt, Field(ge=0, le=10**15, description="An amount in the currency's minor unit")]


class Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


# --- auth -----------------------------------------------------------------------------------


class TokenOut(BaseModel):
    """An OAuth2 access token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
    scope: str = Field(description="Space-separated scopes")
    refresh_token: str | None = Field(default=None, description="Applicants: the next refresh token")


class ClientIn(Body):
    """A new API client."""

    role: ClientRole
    name: Text
    owner_code: Code | None = Field(
        default=None, description="The platform, provider or rail code it acts for"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"role": "provider", "name": "Harbour Institute", "owner_code": "p1"}]
        },
    )


class ClientOut(BaseModel):
    """A client just created; ``secret`` and ``api_key`` are shown this once."""

    client_id: uuid.UUID
    role: str
    owner_code: str | None
    name: str
    secret: str
    api_key: str = Field(description="`<client id>.<secret>`, the X-API-Key of platforms and providers")


# --- applicants -----------------------------------------------------------------------------


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

    model_config = ConfigDict(extra="forbid")


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


# --- platforms and providers ----------------------------------------------------------------


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


# --- officers ---------------------------------------------------------------------------------


class WaveOut(BaseModel):
    """A wave."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    status: str
    opens_at: datetime
    closes_at: datetime
    seed: str | None
    drawn_at: datetime | None


class WaveOpenIn(Body):
    """When the new wave's registration opens (now if omitted)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"opens_at": "2025-03-01T00:00:00Z"}]}
    )

    opens_at: datetime | None = None


class QuotaAllocationIn(Body):
    """Places to share over regions in proportion to demand."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"total": 50000}]})

    total: StrictInt = Field(ge=0, le=100_000_000)


class QuotasOut(BaseModel):
    """Places per region."""

    quotas: dict[str, int]


class DrawIn(Body):
    """The published seed of the draw (random if omitted)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"seed": "2025-wave-3-published-seed"}]}
    )

    seed: Annotated[Line, StringConstraints(min_length=1, max_length=128)] | None = None


class DrawOut(BaseModel):
    """The result of a draw."""

    selected: int
    waitlisted: int
    seed: str


class StepOut(BaseModel):
    """What a batch step did."""

    step: str
    count: int


class PayoutRunOut(BaseModel):
    """What a payout run did, by outcome."""

    outcomes: dict[str, int]
    paid_amount: int


class RevocationIn(Body):
    """Why the application is revoked."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "declared income found false on review"}]}
    )

    reason: Text


class RevocationOut(BaseModel):
    """Money returned by a revocation."""

    released: int = Field(description="Unspent voucher balance returned to the budget")
    cancelled: int = Field(description="Unpaid benefits cancelled")
    claimed: int = Field(description="Paid benefits to be recovered")


class LookupIn(Body):
    """A person to find, and why (both audited)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"national_id": "1000001", "reason": "call centre ticket 4711"}]},
    )

    national_id: Annotated[Line, StringConstraints(min_length=1, max_length=64)]
    reason: Text


class PersonMatchOut(BaseModel):
    """A person found by a look-up, with their applications in this programme."""

    person_id: uuid.UUID
    full_name: str
    birth_date: date
    national_id: str
    applications: list[ApplicationSummary]


class FunnelStage(BaseModel):
    """How many reached one stage."""

    stage: str
    count: int


class FunnelOut(BaseModel):
    """The programme's funnel."""

    stages: list[FunnelStage]
    current_status: dict[str, int]
    ineligible_by_rule: dict[str, int]
    paid_people: int


# --- auditors -------------------------------------------------------------------------------


class AuditEventOut(BaseModel):
    """One entry of the audit log."""

    id: int
    occurred_at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]


class LedgerBalance(BaseModel):
    """The summed balance of one kind of account."""

    kind: str
    currency: str
    balance: int


class LedgerVerificationOut(BaseModel):
    """Whether every transaction balances and no account is overdrawn."""

    balanced: bool
    unbalanced_transactions: list[uuid.UUID]
    overdrawn_accounts: list[uuid.UUID]
    totals: list[LedgerBalance]


# --- payment rails --------------------------------------------------------------------------


class RailCallbackIn(CallbackRow):
    """One notice a rail pushes about a payout it was sent (the fields of a line of the
    ``skillsprogram payouts callbacks`` file)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "notice_id": "WLT-N-000981",
                    "idempotency_key": "programme:application:incentive:1",
                    "status": "paid",
                    "reference": "TRX-99812",
                    "amount": 600000,
                    "currency": "IDR",
                }
            ]
        },
    )


class RailNoticeOutcome(BaseModel):
    """What became of one notice. ``applied`` and ``recheck`` acted on the payout,
    ``conflict`` opened a payout review; every notice was recorded, whatever its outcome."""

    notice_id: str
    idempotency_key: str
    outcome: CallbackOutcome


class RailCallbacksOut(BaseModel):
    """One outcome per notice, in the order sent."""

    applied: int
    results: list[RailNoticeOutcome]


# --- the programme --------------------------------------------------------------------------


class _FromAttributes(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RegionOut(_FromAttributes):
    """A region a registration may name in ``region_code``."""

    code: str
    name: str
    level: int = Field(description="1 for the top level")
    parent: str | None = Field(description="The enclosing region's code")


class AttributeChoiceOut(_FromAttributes):
    """A value an attribute may take."""

    value: str | int | bool
    label: str


class RegistrationAttributeOut(_FromAttributes):
    """A key of a registration's ``attributes`` that the programme's rules read."""

    name: str
    type: Literal["string", "integer", "boolean"]
    required: bool = Field(description="A registration without it is refused (422, attributes.<name>)")
    label: str
    choices: list[AttributeChoiceOut] = Field(description="The only values accepted; empty for any value")


class SurveyDescriptionOut(_FromAttributes):
    """A survey recipients answer at ``/v1/applications/{id}/surveys/{code}``."""

    code: str
    title: str
    after: str = Field(description="When it is asked")
    questions: list[str] = Field(description="The keys of the answers, every one required")


class VoucherTermsOut(_FromAttributes):
    """The training voucher each recipient gets."""

    amount: int = Field(description="In the currency's minor unit")
    first_purchase_days: int | None = Field(description="Days to buy a first course; null for no limit")
    valid_days: int


class BenefitTermsOut(_FromAttributes):
    """One benefit of the schedule."""

    code: str
    label: str
    amount: int = Field(description="Per instalment, in the currency's minor unit")
    trigger: str = Field(description="What earns it")
    instalments: int
    interval_days: int
    min_attendance_percent: int | None


class ProgrammeOut(_FromAttributes):
    """The programme, described in ``language`` (also in the Content-Language header)."""

    code: str
    name: str
    country: str
    currency: str
    minor_units: int
    locales: list[str]
    language: str = Field(description="The locale the labels are in, negotiated from Accept-Language")
    regions: list[RegionOut]
    registration_attributes: list[RegistrationAttributeOut]
    surveys: list[SurveyDescriptionOut]
    voucher: VoucherTermsOut
    benefits: list[BenefitTermsOut]
