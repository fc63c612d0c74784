"""Programme configuration: a validated TOML file, snapshotted when a programme starts.

Every number a country sets (currency, amounts, deadlines, age band, household
cap, benefit schedule, surveys) lives here, never in the core. Plugins read
their own tables from ``[plugin_settings.<name>]`` and validate them with their
own pydantic models.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from skillsprogram.domain.ages import AgeOn
from skillsprogram.errors import ConfigurationError
from skillsprogram.money import check_currency, currency_precision


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BenefitTrigger(StrEnum):
    """What earns a benefit instalment. The core knows these events; a plugin may add its own
    schedule through the ``skillsprogram_benefit_schedule`` hook."""

    FIRST_COURSE_COMPLETED = "first_course_completed"
    FIRST_COURSE_RATED = "first_course_rated"
    SURVEY_ANSWERED = "survey_answered"
    ATTENDANCE_MONTH = "attendance_month"


class BenefitRule(_Strict):
    """One benefit of the schedule: what it pays, what earns it, and how often."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable name, e.g. 'incentive'")
    label: str = Field(default="", description="What recipients and reports call it")
    amount: int = Field(gt=0, description="Per instalment, in the currency's minor unit")
    trigger: BenefitTrigger = Field(description="The event that earns an instalment")
    instalments: int = Field(default=1, ge=1, le=120, description="How many times it can be earned")
    interval_days: int = Field(default=30, ge=0, description="Spacing between instalments")
    min_attendance_percent: int | None = Field(
        default=None, ge=0, le=100, description="For attendance_month: the month's threshold"
    )

    @model_validator(mode="after")
    def _attendance_needs_threshold(self) -> BenefitRule:
        if self.trigger is BenefitTrigger.ATTENDANCE_MONTH and self.min_attendance_percent is None:
            raise ValueError("attendance_month benefits need min_attendance_percent")
        return self


class VoucherRules(_Strict):
    """The training voucher (a balance spent on courses, or tuition paid on enrolment)."""

    amount: int = Field(gt=0, description="Balance at issue, in the minor unit")
    first_purchase_days: int | None = Field(
        default=30, ge=1, description="Days to buy the first course before forfeiture; none = no limit"
    )
    valid_days: int = Field(default=365, ge=1, description="Days from issue until the voucher expires")


class ProviderSettlementRules(_Strict):
    """Paying training providers directly (tuition paid to the institute on enrolment).

    When the section is present, what the programme owes each provider for its
    enrolments is sent to the provider's verified account by ``settle_providers``.
    """

    settle_when: Literal["purchased", "redeemed", "completed"] = Field(
        default="redeemed",
        description="An enrolment is paid once its purchase reaches this state "
        "(redeemed = the provider confirmed the trainee started)",
    )


class EligibilityRules(_Strict):
    """Core eligibility settings; country rules come from plugins."""

    min_age: int | None = Field(
        default=18, ge=0, le=120, description="Youngest age admitted (none: no minimum)"
    )
    max_age: int | None = Field(
        default=None, ge=0, le=120, description="Oldest age admitted (none: no maximum)"
    )
    once_only: bool = Field(default=True, description="A past recipient of any programme is excluded")
    max_recipients_per_household: int | None = Field(
        default=None,
        ge=1,
        description="Recipients one household may count, over all programmes (none: no cap)",
    )
    age_on: AgeOn = Field(
        default="wave_opens",
        description=(
            "The day min_age and max_age are measured on, in the programme's time zone: the day "
            "the applicant's wave opens (wave_opens: someone turning 18 that day is 18), its last "
            "day of registration (wave_closes), or the day the person applied (application_date)"
        ),
    )

    @model_validator(mode="after")
    def _band(self) -> EligibilityRules:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self


class IdentityRules(_Strict):
    """How identity is established."""

    national_id_pattern: str = Field(
        default=r"^\d{6,20}$", description="Used by the generic parser when no plugin parses ids"
    )
    allow_unverified: bool = Field(
        default=False,
        description="Accept declared identities when no verifier plugin is enabled (training only)",
    )
    name_titles: list[str] = Field(
        default_factory=list,
        description="Titles and honorifics a name may start with (Bapak, Ibu, លោក), left out when a bank's "
        "holder name is compared with the person's; the core knows none",
    )


class WaveRules(_Strict):
    """How waves are run."""

    registration_days: int = Field(default=7, ge=1, description="Days a wave stays open for registration")
    quota_level: int = Field(default=1, ge=1, description="Region level quotas are set at")
    draw_days_after_close: int = Field(default=2, ge=0, description="Days from a wave's close to its draw")
    quota_allocation: Literal["demand", "population", "fixed"] = Field(
        default="demand",
        description=(
            "How a wave's places are shared over the regions at quota_level: in proportion to "
            "drawable applicants (demand; no region gets more places than applicants), to the "
            "regions' population (population, from the regions' data), or as fixed_quotas says"
        ),
    )
    fixed_quotas: dict[str, int] = Field(
        default_factory=dict,
        description="With quota_allocation = 'fixed': the places of every wave, by region code",
    )

    @model_validator(mode="after")
    def _fixed_quotas(self) -> WaveRules:
        if self.quota_allocation == "fixed" and not self.fixed_quotas:
            raise ValueError("quota_allocation = 'fixed' needs a fixed_quotas table")
        if self.fixed_quotas and self.quota_allocation != "fixed":
            raise ValueError("fixed_quotas is read only with quota_allocation = 'fixed'")
        negative = sorted(region for region, places in self.fixed_quotas.items() if places < 0)
        if negative:
            raise ValueError(f"fixed_quotas cannot be negative: {negative}")
        return self


class SurveyDefinition(_Strict):
    """A survey recipients answer (paid through a ``survey_answered`` benefit when configured)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable name, e.g. 'exit'")
    title: str = Field(description="What respondents see")
    after: Literal["first_course_rated", "training_completed", "last_payout"] = Field(
        default="first_course_rated", description="The step after which the survey is offered"
    )
    questions: list[str] = Field(min_length=1, description="The questions, in order")


class ProgrammeInfo(_Strict):
    """Who runs the programme, in which currency and languages."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Stable name the programme is known by")
    name: str = Field(description="The programme's public name")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    currency: str = Field(description="ISO 4217 code of the currency every amount is in")
    minor_units: int | None = Field(
        default=None, ge=0, le=4, description="Decimals amounts are counted in (none: the currency's own)"
    )
    locales: list[str] = Field(
        default_factory=lambda: ["en"], min_length=1, description="Languages offered, the first the default"
    )
    timezone: str = Field(
        default="UTC",
        description="IANA time zone (Asia/Jakarta) the programme's calendar days are counted in",
    )

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as 'Asia/Jakarta')") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The programme's time zone."""
        return ZoneInfo(self.timezone)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    def currency_minor_units(self) -> int:
        """The minor units amounts are counted in: ``minor_units``, else the currency's
        precision as Babel (CLDR) states it."""
        if self.minor_units is not None:
            return self.minor_units
        return currency_precision(self.currency)


class ConsentText(_Strict):
    """The consent statement in one language, shown in full before a person agrees."""

    data: str = Field(min_length=1, description="What personal data is kept")
    purpose: str = Field(min_length=1, description="Why it is kept and what it is used for")
    retention: str = Field(min_length=1, description="For how long it is kept, and what happens then")
    recipients: str = Field(min_length=1, description="Who sees it")
    rights: str = Field(min_length=1, description="How to see, correct or withdraw it, and where to complain")


class ConsentTerms(_Strict):
    """The consent a registration asks for: its version and its statement, per language.

    Registration stores the version agreed to and when; a new statement takes a new
    version.
    """

    version: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$",
        description="Stable name of this statement, e.g. '2025-01'",
    )
    texts: dict[str, ConsentText] = Field(
        min_length=1,
        description="The statement per locale, [consent.texts.<locale>]; English (en) is the fallback",
    )

    def text_in(self, locale: str, fallbacks: list[str]) -> tuple[str, ConsentText]:
        """The statement in ``locale``, else in English, else in the first of ``fallbacks``
        that has one; with the locale it is written in."""
        for candidate in (locale, "en", *fallbacks, *self.texts):
            if candidate in self.texts:
                return candidate, self.texts[candidate]
        raise AssertionError("a consent has at least one text")  # pragma: no cover


class SignInRules(_Strict):
    """How applicants sign in again: a one-time code sent to the contact they registered."""

    contact: Literal["phone", "email"] = Field(
        default="phone",
        description="Where codes are sent: the mobile phone or the e-mail address given at registration "
        "(with 'email', registration asks for an e-mail address)",
    )
    code_minutes: int = Field(default=10, ge=1, le=60, description="Minutes a code stays valid")
    max_attempts: int = Field(
        default=5, ge=1, le=20, description="Wrong tries a code allows before it stops working"
    )
    codes_per_hour: int = Field(
        default=5, ge=1, le=100, description="Codes one person (one identity or contact) may ask for per hour"
    )


class InclusionGroup(_Strict):
    """A group of applicants the inclusion figures follow through the funnel: those whose
    ``attribute`` (a registration attribute a plugin declares, or ``sex``, ``occupation``,
    ``in_education``) is one of ``values``, who live in a region tagged ``region_tag``, and
    whose age in the year they registered is within ``age`` (inclusive). Every criterion
    given must hold; at least one is given."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", description="Stable name, e.g. 'disability'")
    label: str = Field(description="What the figures call the group (an English msgid)")
    attribute: str | None = Field(default=None, description="The attribute read (absent: none)")
    values: list[str | int | bool] = Field(
        default_factory=list, description="The attribute's values that put an applicant in the group"
    )
    region_tag: str | None = Field(default=None, description="A tag the applicant's region carries")
    age: tuple[int, int] | None = Field(default=None, description="Youngest and oldest age, inclusive")

    @model_validator(mode="after")
    def _one_criterion(self) -> InclusionGroup:
        if self.attribute is None and self.region_tag is None and self.age is None:
            raise ValueError(f"inclusion group {self.code!r} needs an attribute, a region_tag or an age")
        if (self.attribute is None) != (not self.values):
            raise ValueError(f"inclusion group {self.code!r}: give attribute and values together")
        if self.values and len({type(v) for v in self.values}) > 1:
            raise ValueError(f"inclusion group {self.code!r}: values must all be of one type")
        if self.age is not None and not 0 <= self.age[0] <= self.age[1]:
            raise ValueError(f"inclusion group {self.code!r}: age must be [youngest, oldest]")
        return self


class ReportSettings(_Strict):
    """What the monitoring figures show beyond the funnel."""

    inclusion: list[InclusionGroup] = Field(
        default_factory=list, description="Groups followed through the funnel (the inclusion figures)"
    )

    @model_validator(mode="after")
    def _unique_codes(self) -> ReportSettings:
        codes = [group.code for group in self.inclusion]
        if len(codes) != len(set(codes)):
            raise ValueError("inclusion group codes must be unique")
        return self


class DemoSettings(_Strict):
    """How synthetic people behave in ``skillsprogram demo`` (a demo, never a real wave)."""

    start: str = Field(default="2023-03-01T00:00:00+00:00", description="The demo's first instant (ISO 8601)")
    wave_quota_share: float = Field(
        default=0.3, gt=0, le=1, description="Places of a wave, as a share of applicants"
    )
    purchase_rate: float = Field(default=0.95, ge=0, le=1, description="Recipients who buy a course")
    completion_rate: float = Field(default=0.9, ge=0, le=1, description="Trainees who complete it")
    rating_rate: float = Field(default=0.97, ge=0, le=1, description="Graduates who rate the course")
    survey_rate: float = Field(default=0.8, ge=0, le=1, description="Recipients who answer a survey")
    attendance_good_rate: float = Field(
        default=0.85, ge=0, le=1, description="Trainees whose month's attendance reaches the threshold"
    )
    followup_rate: float = Field(
        default=0.0, ge=0, le=1, description="Graduates whose employment is followed up (0 = no follow-up)"
    )
    followup_days: int = Field(default=90, ge=1, description="Days after graduation of the follow-up")
    employment_rate: float = Field(default=0.5, ge=0, le=1, description="Followed-up graduates in work")
    provider_report_share: float = Field(
        default=0.3, ge=0, le=1, description="Follow-ups reported by the provider rather than a survey"
    )


class ProgrammeConfig(_Strict):
    """A programme's whole configuration, as read from its TOML file."""

    programme: ProgrammeInfo = Field(description="Who runs the programme, in which currency and languages")
    plugins: list[str] = Field(
        default_factory=list,
        description="Plugins to enable: entry-point names in the 'skillsprogram' group or modules",
    )
    identity: IdentityRules = Field(default=IdentityRules(), description="How identity is established")
    eligibility: EligibilityRules = Field(
        default=EligibilityRules(), description="The core's eligibility rules"
    )
    waves: WaveRules = Field(default=WaveRules(), description="How waves are run and places shared")
    voucher: VoucherRules = Field(description="The training voucher")
    benefits: list[BenefitRule] = Field(
        default_factory=list, description="The benefit schedule, one [[benefits]] entry per benefit"
    )
    surveys: list[SurveyDefinition] = Field(default_factory=list, description="Surveys recipients answer")
    provider_settlement: ProviderSettlementRules | None = Field(
        default=None, description="Pay providers directly for enrolments (absent: no settlement)"
    )
    clawback_paid_benefits: bool = Field(
        default=False, description="On revocation, also claim back benefits already paid"
    )
    payouts_need_funding: bool = Field(
        default=False,
        description="Send only payouts of a disbursement run whose total the rail or sponsor bank reserved",
    )
    consent: ConsentTerms | None = Field(
        default=None,
        description="The consent statement registration shows and stores the version of (absent: a "
        "generic agreement, no version stored)",
    )
    sign_in: SignInRules = Field(default=SignInRules(), description="Signing in again by one-time code")
    plugin_settings: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="One table per plugin, [plugin_settings.<plugin>], validated by the plugin",
    )
    reports: ReportSettings = Field(default=ReportSettings(), description="The monitoring figures")
    demo: DemoSettings = Field(default=DemoSettings(), description="How synthetic people behave in the demo")

    @model_validator(mode="after")
    def _unique_codes(self) -> ProgrammeConfig:
        for label, codes in (
            ("benefits", [b.code for b in self.benefits]),
            ("surveys", [s.code for s in self.surveys]),
        ):
            if len(codes) != len(set(codes)):
                raise ValueError(f"{label} codes must be unique")
        return self

    @model_validator(mode="after")
    def _consent_in_every_language(self) -> ProgrammeConfig:
        if self.consent is not None:
            missing = [locale for locale in self.programme.locales if locale not in self.consent.texts]
            if missing:
                raise ValueError(f"consent.texts has no statement in {missing}")
        return self

    @property
    def code(self) -> str:
        """The programme's code."""
        return self.programme.code

    @property
    def currency(self) -> str:
        """The programme's currency."""
        return self.programme.currency

    def settings_for(self, plugin: str) -> dict[str, Any]:
        """The ``[plugin_settings.<plugin>]`` table (empty when absent)."""
        return dict(self.plugin_settings.get(plugin, {}))

    def fingerprint(self) -> str:
        """A SHA-256 of the canonical JSON form, stored with the programme."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def load_config(path: str | Path) -> ProgrammeConfig:
    """Read and validate a programme configuration file.

    Errors name the file and every field at fault, so a mistyped key fails at
    load time rather than at the first applicant.
    """
    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{source}: no such configuration file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid TOML: {exc}") from exc
    config = parse_config(data, source=str(source))
    check_plugin_settings(config, source=str(source))
    return config


def check_plugin_settings(config: ProgrammeConfig, source: str = "<configuration>") -> None:
    """Load the configuration's plugins and let each validate its own settings
    (``skillsprogram_check_settings``); errors name ``source``."""
    from skillsprogram.hooks.manager import build_plugin_manager

    try:
        build_plugin_manager(config.plugins).hook.skillsprogram_check_settings(programme=config)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{source}: {exc.message}") from exc


def parse_config(data: dict[str, Any], source: str = "<configuration>") -> ProgrammeConfig:
    """Validate a configuration mapping; errors name ``source`` and each field."""
    try:
        return ProgrammeConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"{source}: invalid configuration: {problems}") from exc
