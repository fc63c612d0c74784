"""What a programme says about itself to applicants and integrators, in their language.

Its regions, the registration attributes its plugins read (with the allowed values),
its surveys and its benefit schedule: everything a registration form needs, so that no
one has to guess an attribute the rules will read later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.attributes import label
from skillsprogram.domain.exchange import AttributeValue
from skillsprogram.domain.models import Region
from skillsprogram.services.registration import attribute_schema
from skillsprogram.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class RegionEntry:
    """A region a registration may name."""

    code: str
    name: str
    level: int
    parent: str | None


@dataclass(frozen=True, slots=True)
class ChoiceEntry:
    """An allowed value of an attribute and its label."""

    value: AttributeValue
    label: str


@dataclass(frozen=True, slots=True)
class AttributeEntry:
    """A registration attribute, labelled in the chosen language."""

    name: str
    type: str
    required: bool
    label: str
    choices: list[ChoiceEntry]


@dataclass(frozen=True, slots=True)
class SurveyEntry:
    """A survey recipients answer, with its questions (the keys of the answers)."""

    code: str
    title: str
    after: str
    questions: list[str]


@dataclass(frozen=True, slots=True)
class VoucherEntry:
    """The training voucher each recipient gets."""

    amount: int
    first_purchase_days: int | None
    valid_days: int


@dataclass(frozen=True, slots=True)
class BenefitEntry:
    """One benefit of the schedule: an incentive, a survey incentive, a monthly allowance."""

    code: str
    label: str
    amount: int
    trigger: str
    instalments: int
    interval_days: int
    min_attendance_percent: int | None


@dataclass(frozen=True, slots=True)
class ConsentEntry:
    """The consent statement a registration agrees to, in one language."""

    version: str
    language: str
    data: str
    purpose: str
    retention: str
    recipients: str
    rights: str


@dataclass(frozen=True, slots=True)
class SignInEntry:
    """How applicants sign in again."""

    contact: str
    code_minutes: int


@dataclass(frozen=True, slots=True)
class ProgrammeDescription:
    """A programme described in one language."""

    code: str
    name: str
    country: str
    currency: str
    minor_units: int
    locales: list[str]
    language: str
    regions: list[RegionEntry]
    registration_attributes: list[AttributeEntry]
    surveys: list[SurveyEntry]
    voucher: VoucherEntry
    benefits: list[BenefitEntry]
    consent: ConsentEntry | None
    sign_in: SignInEntry


def describe(uow: UnitOfWork, ctx: ProgrammeContext, language: str) -> ProgrammeDescription:
    """The programme in ``language`` (one of its locales; labels missing in it fall back to
    English, then to any language they have; an English label is translated by the
    programme's catalogues)."""
    config = ctx.config
    info = config.programme
    regions = [
        RegionEntry(r.code, r.name, r.level, r.parent_code)
        for r in uow.session.execute(select(Region).order_by(col(Region.level), col(Region.code))).scalars()
    ]
    texts = ctx.texts

    def labelled(labels: Mapping[str, str], fallback: str) -> str:
        # A label given in English only is translated by the catalogues.
        return texts.translate_filled(language, label(labels, language, fallback))

    attributes = [
        AttributeEntry(
            name=spec.name,
            type=spec.type,
            required=spec.required,
            label=labelled(spec.labels, spec.name),
            choices=[ChoiceEntry(c.value, labelled(c.labels, str(c.value))) for c in spec.choices],
        )
        for spec in attribute_schema(ctx).values()
    ]
    return ProgrammeDescription(
        code=info.code,
        name=info.name,
        country=info.country,
        currency=info.currency,
        minor_units=info.currency_minor_units(),
        locales=list(info.locales),
        language=language,
        regions=regions,
        registration_attributes=attributes,
        surveys=[SurveyEntry(s.code, s.title, s.after, list(s.questions)) for s in config.surveys],
        voucher=VoucherEntry(
            config.voucher.amount, config.voucher.first_purchase_days, config.voucher.valid_days
        ),
        benefits=[
            BenefitEntry(
                b.code,
                b.label or b.code,
                b.amount,
                b.trigger.value,
                b.instalments,
                b.interval_days,
                b.min_attendance_percent,
            )
            for b in config.benefits
        ],
        consent=consent_in(ctx, language),
        sign_in=SignInEntry(config.sign_in.contact, config.sign_in.code_minutes),
    )


def consent_in(ctx: ProgrammeContext, language: str) -> ConsentEntry | None:
    """The programme's consent statement in ``language`` (else in English, else in its
    first locale); ``None`` when the programme configures none."""
    terms = ctx.config.consent
    if terms is None:
        return None
    written_in, text = terms.text_in(language, list(ctx.config.programme.locales))
    return ConsentEntry(
        terms.version, written_in, text.data, text.purpose, text.retention, text.recipients, text.rights
    )
