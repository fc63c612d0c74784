"""Bodies of ``GET /v1/programme``: what a programme offers and asks, from its
configuration and plugins."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


class ConsentOut(_FromAttributes):
    """The consent statement a registration agrees to, in full."""

    version: str = Field(description="Send it as the registration's consent_version")
    language: str = Field(description="The locale the statement is written in (English when not in yours)")
    data: str = Field(description="What personal data is kept")
    purpose: str = Field(description="Why")
    retention: str = Field(description="For how long")
    recipients: str = Field(description="Who sees it")
    rights: str = Field(description="How to see, correct or withdraw it, and where to complain")


class SignInTermsOut(_FromAttributes):
    """How applicants sign in again (``POST /v1/auth/sign-in-codes``)."""

    contact: Literal["phone", "email"] = Field(description="Where codes are sent")
    code_minutes: int = Field(description="Minutes a code stays valid")


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
    consent: ConsentOut | None = Field(description="The consent statement; null when none is configured")
    sign_in: SignInTermsOut
