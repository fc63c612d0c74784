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
    """The number as the core stores and compares it (separators removed)."""
    region_code: str | None = None
    """The region the number encodes, if it encodes one."""
    birth_date: date | None = None
    """The birth date the number encodes, if it encodes one."""
    sex: Sex | None = None
    """The sex the number encodes, if it encodes one."""


@dataclass(frozen=True, slots=True)
class ParsedHouseholdNumber:
    """A household (family-card) number a plugin has parsed and normalised."""

    normalised: str
    """The number as the core stores and compares it."""
    region_code: str | None = None
    """The region the number encodes, if it encodes one."""


@dataclass(frozen=True, slots=True)
class RegistrationRequest:
    """What an applicant declares when registering (clear values: handle with care)."""

    national_id: str
    """The national identity number as typed."""
    full_name: str
    """The applicant's name as on the identity document."""
    birth_date: date
    """The declared birth date."""
    sex: Sex
    """The declared sex."""
    region_code: str
    """The region of residence (a code of the region table)."""
    household_number: str | None = None
    """The household (family-card) number, where the country has one."""
    phone: str | None = None
    """A phone number for notifications."""
    occupation: str | None = None
    """The declared occupation, free text or a country code list."""
    in_education: bool = False
    """True when the applicant is a student."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """The country's own registration fields, by the names its `AttributeSpec`s declare."""
    email: str | None = None
    """An e-mail address for sign-in codes, where the programme signs in by e-mail."""
    locale: str | None = None
    """The language the person chose (one of the programme's locales)."""
    consent_version: str | None = None
    """The version of the consent statement agreed to; ``None`` for the current one."""


AttributeType = Literal["string", "integer", "boolean"]
AttributeValue = str | int | bool


@dataclass(frozen=True, slots=True)
class AttributeChoice:
    """One value an attribute may take, with what to call it in each locale (``{"en": ...}``)."""

    value: AttributeValue
    """The value as sent in `RegistrationRequest.attributes`."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """What to call the value, per locale."""


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """A registration attribute a plugin reads (``RegistrationRequest.attributes[name]``).

    Registration refuses a request that lacks a ``required`` attribute, gives one of the
    wrong ``type`` or a value outside ``choices`` (when choices are given), naming the
    field (``attributes.<name>``); ``GET /v1/programme`` describes it to applicants.
    """

    name: str
    """The key in `RegistrationRequest.attributes`."""
    type: AttributeType
    """The JSON type a value must have."""
    labels: Mapping[str, str]
    """What the attribute is called, per locale (``{"en": "Citizenship", "id": ...}``)."""
    required: bool = False
    """Refuse a registration that leaves the attribute out."""
    choices: tuple[AttributeChoice, ...] = ()
    """The only values accepted; empty for any value of ``type``."""


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """A person's claimed identity, sent in batches to the identity verifier."""

    application_id: uuid.UUID
    """The application the claim belongs to; the verdict names it back."""
    national_id: str
    """The normalised national identity number."""
    full_name: str
    """The declared name."""
    birth_date: date
    """The declared birth date."""
    sex: Sex
    """The declared sex."""
    household_number: str | None
    """The normalised household number, if declared."""


@dataclass(frozen=True, slots=True)
class IdentityVerdict:
    """The verifier's answer for one claim."""

    application_id: uuid.UUID
    """The claim's application."""
    verified: bool
    """True when the registry confirms the claim."""
    reason: str | None = None
    """Why the claim was not verified (shown to officers and in the rejection)."""
    method: str = "registry"
    """How it was verified (`registry`, `declared`, a plugin's own word)."""


@dataclass(frozen=True, slots=True)
class ApplicantFacts:
    """Everything eligibility rules may look at, gathered by the core in set-based queries."""

    application_id: uuid.UUID
    """The application screened; findings name it back."""
    person_id: uuid.UUID
    """The person behind the application (stable across programmes)."""
    age: int
    """Age in whole years on the date the programme's configuration sets for age."""
    sex: Sex
    """The declared (and verified) sex."""
    region_code: str
    """The region of residence."""
    occupation: str | None
    """The declared occupation."""
    in_education: bool
    """True when the applicant declared being a student."""
    attributes: Mapping[str, Any]
    """The country's registration attributes."""
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
    """The application the verdict is about."""
    rule: str
    """A stable rule id, namespaced by its plugin (`core.min_age`, `id.kip_holder`)."""
    passed: bool
    """False excludes the application from the draw."""
    reason: str | None = None
    """Why the rule failed, in words an applicant and an officer understand."""


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
    """The applicant's fields the check receives (``national_id``, ``household_number``,
    ``full_name``, ``birth_date``); the others reach it as ``None``."""
    description: str = ""
    """What the rule checks, for officers reading its findings."""


@dataclass(frozen=True, slots=True)
class RegistrySubject:
    """One applicant as a registry rule sees it: the fields its rule declared, in clear
    (never log them); every field the rule did not declare is ``None``."""

    application_id: uuid.UUID
    """The application the answer is about (the check answers by this id)."""
    national_id: str | None = None
    """The national id, normalised, when the rule declared ``national_id``."""
    household_number: str | None = None
    """The household (family card) number, when declared and known."""
    full_name: str | None = None
    """The name as registered, when the rule declared ``full_name``."""
    birth_date: date | None = None
    """The date of birth, when the rule declared ``birth_date``."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible application entering a wave's draw."""

    application_id: uuid.UUID
    """The eligible application."""
    household_id: uuid.UUID | None
    """Its household, so the draw can apply the household cap; none without one."""
    region_code: str
    """The applicant's region of residence."""
    quota_region: str
    """The region at the quota level whose places the candidate competes for."""
    attributes: Mapping[str, Any]
    """The country's registration attributes (for priority weights)."""
    registered_at: datetime
    """When the application was made (aware UTC)."""


@dataclass(frozen=True, slots=True)
class WaveDraw:
    """The wave being drawn: its number, published seed and quotas per region."""

    wave_id: uuid.UUID
    """The wave's identifier."""
    number: int
    """The wave's number in the programme (1, 2, ...)."""
    seed: str
    """The published seed the draw is taken from, so anyone can re-run it."""
    quotas: Mapping[str, int]
    """Places per quota region code."""


@dataclass(frozen=True, slots=True)
class BenefitEvent:
    """Something that may earn benefits, given to the benefit schedule hook.

    ``kind`` is one of the :class:`~skillsprogram.config.BenefitTrigger` values;
    ``period`` identifies repeatable events (a survey code, an attendance month).
    """

    application_id: uuid.UUID
    """The beneficiary's application."""
    kind: str
    """What happened: a `BenefitTrigger` value, or a plugin's own kind."""
    occurred_at: datetime
    """When it happened (aware UTC)."""
    period: str | None = None
    """For repeatable events: which one (a survey code, an attendance month `2023-04`)."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Event data the schedule may read (an attendance percent, a course code)."""
    earned_before: Mapping[str, int] = field(default_factory=dict)
    """Instalments of each benefit this beneficiary has earned (or had withheld) so far."""


@dataclass(frozen=True, slots=True)
class EntitlementSpec:
    """An instalment the schedule grants (or withholds, with a reason) for an event."""

    benefit: str
    """The `code` of the `[[benefits]]` entry paid."""
    period: int
    """Which instalment (1 for the first)."""
    amount: int
    """The amount, in the currency's minor unit."""
    due_at: datetime
    """When it becomes payable (aware UTC)."""
    withheld_reason: str | None = None
    """Set to withhold the instalment instead of paying it, saying why."""


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """A state change, read back from the audit log after it was committed."""

    event_id: int
    """The audit log's id: increasing, so events can be processed in order."""
    occurred_at: datetime
    """When the change was committed (aware UTC)."""
    entity: str
    """What changed: `application`, `voucher`, `payout`, ... (see the core's names page)."""
    entity_id: str
    """The changed record's id."""
    action: str
    """What happened (`selected`, `voucher_issued`, ...: see the core's names page)."""
    from_status: str | None
    """The status before, for a state change."""
    to_status: str | None
    """The status after, for a state change."""
    data: Mapping[str, Any]
    """The action's data (identifiers and amounts; never a personal value in clear); the
    keys of each action's data are listed in `docs/event-data.md`."""


@dataclass(frozen=True, slots=True)
class Notification:
    """A message to a person about an event (channels and texts are the plugin's)."""

    event: LifecycleEvent
    """The lifecycle event the message is about."""
    person_id: str | None
    """The person to tell, when the event names one."""
    template: str
    """Which message to send (see the core's names page for each template)."""
    locale: str
    """The language to write in: the one the person chose (at registration, or later on the
    portal), else the programme's first locale."""
    text: str = ""
    """The message in `locale`, from the programme's catalogues (the core's text for the
    template, or a plugin's rewording of it); a channel sends it as it is."""
    to: str | None = None
    """The address to send to (a phone number or an e-mail address, in clear), for messages
    that must reach the contact the person gave (a sign-in code); ``None`` otherwise."""
    values: Mapping[str, str] = field(default_factory=dict)
    """What the message says beyond the event (``code`` and ``minutes`` of a sign-in code),
    already written into ``text``, for a channel that sends pre-registered templates:
    never logged nor stored."""


# --- payment rails -------------------------------------------------------------------------


RailStatus = Literal["paid", "pending", "failed", "not_found"]


@dataclass(frozen=True, slots=True)
class AccountCheck:
    """A rail's answer about an account: does it exist, and in whose name."""

    valid: bool
    """True when the account exists and can be credited."""
    holder_name: str | None = None
    """The name the rail holds the account in, for the core's name match."""
    reason: str | None = None
    """Why the account is not valid."""


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    """One credit to send; the rail must treat a repeated key as the same payment."""

    idempotency_key: str
    """The payment's key: the same key twice is the same payment."""
    account_number: str
    """The account to credit."""
    holder_name: str
    """The beneficiary's name, for rails that check it."""
    amount: int
    """The amount, in the currency's minor unit."""
    currency: str
    """ISO 4217 code."""
    description: str
    """A text for the beneficiary's statement."""


@dataclass(frozen=True, slots=True)
class RailResult:
    """A rail's answer to a send or a status query.

    ``permanent`` failures (closed account, name mismatch) are not retried.
    """

    status: RailStatus
    """What became of the payment."""
    reference: str | None = None
    """The rail's own reference for the payment."""
    reason: str | None = None
    """Why it failed or is pending."""
    permanent: bool = False
    """True when retrying cannot help."""


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One credit as the rail's statement reports it."""

    idempotency_key: str
    """The key the payment was sent with."""
    reference: str
    """The rail's reference."""
    amount: int
    """The amount booked, in the minor unit."""
    currency: str
    """ISO 4217 code."""
    booked_at: datetime
    """When the rail booked it (aware UTC)."""
    status: RailStatus
    """The booked credit's status."""


@dataclass(frozen=True, slots=True)
class RailCallback:
    """A status message a rail pushed on its own (a webhook), as received.

    ``notice_id`` identifies the message: a rail that sends it twice sends the same id.
    ``status`` is ``paid``, ``failed`` or ``returned``.
    """

    notice_id: str
    """The message's id: the same message sent twice carries the same id."""
    idempotency_key: str
    """The payment it is about."""
    status: str
    """`paid`, `failed` or `returned`."""
    reference: str | None = None
    """The rail's reference."""
    amount: int | None = None
    """The amount the rail reports, in the minor unit."""
    currency: str | None = None
    """ISO 4217 code of the amount."""
    reason: str | None = None
    """Why the payment failed or was returned."""


@dataclass(frozen=True, slots=True)
class FundingAnswer:
    """A funding source's answer to "check and reserve this total for a disbursement run"."""

    reserved: bool
    """True when the total is reserved for the run."""
    reservation: str | None = None
    """The funding source's reference for the reservation."""
    reason: str | None = None
    """Why the total could not be reserved."""


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
    """The region's code (what registrations and quotas name)."""
    name: str
    """Its name."""
    level: int
    """Its level in the hierarchy (1 = province or the country's first division)."""
    parent_code: str | None = None
    """The code of the region it lies in; none at the top level."""
    tags: tuple[str, ...] = ()
    """Labels rules may read (`remote`, `priority`)."""
    population: int | None = None
    """How many people live there (or the share of the programme's target population),
    read when ``[waves] quota_allocation = "population"`` shares places by population."""


@dataclass(frozen=True, slots=True)
class CourseSpec:
    """A course for a demo catalogue."""

    code: str
    """The course's code."""
    title: str
    """Its title."""
    field_of_study: str
    """Its field (for reports)."""
    mode: Literal["online", "offline", "hybrid"]
    """How it is taught."""
    price: int
    """Its price, in the minor unit."""
    duration_days: int
    """How long it runs."""
    provider_code: str
    """The training provider's code."""
    provider_name: str
    """The training provider's name."""
    platform_code: str
    """The code of the platform selling it."""
    platform_name: str
    """The platform's name."""
    provider_rail: str | None = None
    """The rail the provider is paid on, when the programme settles with providers directly."""
    provider_account: str | None = None
    """The provider's account number on ``provider_rail``."""
    description: str | None = None
    """What the course teaches, in its publisher's words (shown on its page and searched)."""


@dataclass(frozen=True, slots=True)
class SyntheticApplicant:
    """A made-up applicant for demos, with the payment account they would give."""

    registration: RegistrationRequest
    """What the made-up person registers with."""
    rail: str
    """The rail code of the account they would give."""
    account_number: str
    """Their account number on that rail."""
