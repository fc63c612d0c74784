"""Values that cross the plugin boundary: what hooks receive and what they return.

They are small frozen dataclasses (hooks run over whole waves, so they must be
cheap to build by the hundred thousand) and carry no personal value in clear
beyond what the hook needs to do its job.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol, runtime_checkable

Sex = Literal["F", "M"]


@dataclass(frozen=True, slots=True)
class ParsedNationalId:
    """A national identity number a plugin has parsed and normalised.

    Fields the number does not encode stay ``None``; the core compares those
    that are set with what the applicant declared.
    """

    normalised: str
    region_code: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None


@dataclass(frozen=True, slots=True)
class ParsedHouseholdNumber:
    """A household (family-card) number a plugin has parsed and normalised."""

    normalised: str
    region_code: str | None = None


@dataclass(frozen=True, slots=True)
class RegistrationRequest:
    """What an applicant declares when registering (clear values: handle with care)."""

    national_id: str
    full_name: str
    birth_date: date
    sex: Sex
    region_code: str
    household_number: str | None = None
    phone: str | None = None
    occupation: str | None = None
    in_education: bool = False
    attributes: Mapping[str, Any] = field(default_factory=dict)


AttributeType = Literal["string", "integer", "boolean"]
AttributeValue = str | int | bool


@dataclass(frozen=True, slots=True)
class AttributeChoice:
    """One value an attribute may take, with what to call it in each locale (``{"en": ...}``)."""

    value: AttributeValue
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """A registration attribute a plugin reads (``RegistrationRequest.attributes[name]``).

    Registration refuses a request that lacks a ``required`` attribute, gives one of the
    wrong ``type`` or a value outside ``choices`` (when choices are given), naming the
    field (``attributes.<name>``); ``GET /v1/programme`` describes it to applicants.
    """

    name: str
    type: AttributeType
    labels: Mapping[str, str]
    """What the attribute is called, per locale (``{"en": "Citizenship", "id": ...}``)."""
    required: bool = False
    choices: tuple[AttributeChoice, ...] = ()
    """The only values accepted; empty for any value of ``type``."""


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """A person's claimed identity, sent in batches to the identity verifier."""

    application_id: uuid.UUID
    national_id: str
    full_name: str
    birth_date: date
    sex: Sex
    household_number: str | None


@dataclass(frozen=True, slots=True)
class IdentityVerdict:
    """The verifier's answer for one claim."""

    application_id: uuid.UUID
    verified: bool
    reason: str | None = None
    method: str = "registry"


@dataclass(frozen=True, slots=True)
class ApplicantFacts:
    """Everything eligibility rules may look at, gathered by the core in set-based queries."""

    application_id: uuid.UUID
    person_id: uuid.UUID
    age: int
    sex: Sex
    region_code: str
    occupation: str | None
    in_education: bool
    attributes: Mapping[str, Any]
    household_recipients: int
    """People of the same household who already receive this or any other programme."""
    previous_recipient: bool
    """True when this person received any programme of the deployment before."""
    household_number: str | None = None
    """The household (family-card, poverty-registry) number in clear, for rules that check
    it against another registry in one request per batch; never log it."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on one application. ``reason`` says why it failed."""

    application_id: uuid.UUID
    rule: str
    passed: bool
    reason: str | None = None


RegistryField = Literal["national_id", "household_number", "full_name", "birth_date"]
"""What a registry rule may ask the core to hand it about each applicant."""


@dataclass(frozen=True, slots=True)
class RegistryRule:
    """An eligibility rule that asks another registry about people, in batches.

    ``needs`` names the only personal values the core hands the rule's check
    (``skillsprogram_check_registry``); declare the fewest the registry can answer with.
    """

    rule: str
    """The rule id stored with each finding (``sandbox_registry.enrolled_elsewhere``)."""
    needs: tuple[RegistryField, ...]
    description: str = ""
    """What the rule checks, for officers reading its findings."""


@dataclass(frozen=True, slots=True)
class RegistrySubject:
    """One applicant as a registry rule sees it: the fields its rule declared, in clear
    (never log them); every field the rule did not declare is ``None``."""

    application_id: uuid.UUID
    national_id: str | None = None
    household_number: str | None = None
    full_name: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible application entering a wave's draw."""

    application_id: uuid.UUID
    household_id: uuid.UUID | None
    region_code: str
    quota_region: str
    attributes: Mapping[str, Any]
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class WaveDraw:
    """The wave being drawn: its number, published seed and quotas per region."""

    wave_id: uuid.UUID
    number: int
    seed: str
    quotas: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class BenefitEvent:
    """Something that may earn benefits, given to the benefit schedule hook.

    ``kind`` is one of the :class:`~skillsprogram.config.BenefitTrigger` values;
    ``period`` identifies repeatable events (a survey code, an attendance month).
    """

    application_id: uuid.UUID
    kind: str
    occurred_at: datetime
    period: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    earned_before: Mapping[str, int] = field(default_factory=dict)
    """Instalments of each benefit this beneficiary has earned (or had withheld) so far."""


@dataclass(frozen=True, slots=True)
class EntitlementSpec:
    """An instalment the schedule grants (or withholds, with a reason) for an event."""

    benefit: str
    period: int
    amount: int
    due_at: datetime
    withheld_reason: str | None = None


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """A state change, read back from the audit log after it was committed."""

    event_id: int
    occurred_at: datetime
    entity: str
    entity_id: str
    action: str
    from_status: str | None
    to_status: str | None
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Notification:
    """A message to a person about an event (channels and texts are the plugin's)."""

    event: LifecycleEvent
    person_id: str | None
    template: str
    locale: str


# --- payment rails -------------------------------------------------------------------------


RailStatus = Literal["paid", "pending", "failed", "not_found"]


@dataclass(frozen=True, slots=True)
class AccountCheck:
    """A rail's answer about an account: does it exist, and in whose name."""

    valid: bool
    holder_name: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    """One credit to send; the rail must treat a repeated key as the same payment."""

    idempotency_key: str
    account_number: str
    holder_name: str
    amount: int
    currency: str
    description: str


@dataclass(frozen=True, slots=True)
class RailResult:
    """A rail's answer to a send or a status query.

    ``permanent`` failures (closed account, name mismatch) are not retried.
    """

    status: RailStatus
    reference: str | None = None
    reason: str | None = None
    permanent: bool = False


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One credit as the rail's statement reports it."""

    idempotency_key: str
    reference: str
    amount: int
    currency: str
    booked_at: datetime
    status: RailStatus


@dataclass(frozen=True, slots=True)
class RailCallback:
    """A status message a rail pushed on its own (a webhook), as received.

    ``notice_id`` identifies the message: a rail that sends it twice sends the same id.
    ``status`` is ``paid``, ``failed`` or ``returned``.
    """

    notice_id: str
    idempotency_key: str
    status: str
    reference: str | None = None
    amount: int | None = None
    currency: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class FundingAnswer:
    """A funding source's answer to "check and reserve this total for a disbursement run"."""

    reserved: bool
    reservation: str | None = None
    reason: str | None = None


class RailTimeout(Exception):
    """The rail did not answer in time: the payment's fate is unknown."""


@runtime_checkable
class PaymentRail(Protocol):
    """A way to pay people: an e-wallet, a bank, mobile money.

    Implementations are returned by the ``skillsprogram_payment_rails`` hook.
    """

    code: str
    name: str
    currencies: tuple[str, ...]

    def validate_account(self, account_number: str, holder_name: str) -> AccountCheck:
        """Check that the account exists and is held in ``holder_name``."""
        ...

    def send(self, instruction: PaymentInstruction) -> RailResult:
        """Credit the account once per idempotency key; raise :class:`RailTimeout` on timeout."""
        ...

    def status(self, idempotency_key: str) -> RailResult:
        """What became of the payment with this key (``not_found`` if it never arrived)."""
        ...

    def statement(self, since: datetime, until: datetime) -> list[StatementLine]:
        """The credits booked in the half-open interval [since, until)."""
        ...

    def reserve_funds(self, reference: str, amount: int, currency: str) -> FundingAnswer:
        """Check and reserve ``amount`` on the programme's float at the rail, once per
        ``reference`` (asking again with the same reference answers the same reservation).

        A rail that cannot reserve (it holds no float for the programme) answers
        ``FundingAnswer(False, reason=...)`` saying so: its envelopes are then funded
        only by a sponsor-bank plugin (``skillsprogram_reserve_funds``).
        """
        ...


# --- demo population ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """A region of the country's geography, loaded into the region table."""

    code: str
    name: str
    level: int
    parent_code: str | None = None
    tags: tuple[str, ...] = ()
    population: int | None = None
    """How many people live there (or the share of the programme's target population),
    read when ``[waves] quota_allocation = "population"`` shares places by population."""


@dataclass(frozen=True, slots=True)
class CourseSpec:
    """A course for a demo catalogue."""

    code: str
    title: str
    field_of_study: str
    mode: Literal["online", "offline", "hybrid"]
    price: int
    duration_days: int
    provider_code: str
    provider_name: str
    platform_code: str
    platform_name: str
    provider_rail: str | None = None
    """The rail the provider is paid on, when the programme settles with providers directly."""
    provider_account: str | None = None
    """The provider's account number on ``provider_rail``."""


@dataclass(frozen=True, slots=True)
class SyntheticApplicant:
    """A made-up applicant for demos, with the payment account they would give."""

    registration: RegistrationRequest
    rail: str
    account_number: str
