"""The plugin hooks. Each docstring here is the hook's reference documentation.

A plugin is a module or object with functions marked ``@hookimpl`` and named
after these specifications. The framework's own behaviour is implemented the
same way, by the default plugins in :mod:`skillsprogram.defaults`; a country
plugin overrides a ``firstresult`` hook simply by answering it (plugins
registered later are called first) and adds to a collecting hook by returning
its contribution.

Hooks that run over whole waves take batches (sequences of hundreds or
thousands of items), so that a plugin can call a registry once per batch.

Hooks whose rules depend on the date receive the programme's ``clock``: ask it
rather than the machine (``date.today()``), so that a test, a demo or a replay
with a fixed clock judges as the programme would on that day. The programme's
calendar day is ``today_in(clock, programme.programme.zone)`` (both from
:mod:`skillsprogram.plugin`). A plugin may leave ``clock`` out of its function's
parameters when it does not need it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import uuid
    from pathlib import Path

    from skillsprogram.clock import Clock
    from skillsprogram.config import ProgrammeConfig
    from skillsprogram.domain.exchange import (
        ApplicantFacts,
        AttributeSpec,
        BenefitEvent,
        Candidate,
        CourseSpec,
        EntitlementSpec,
        Finding,
        FundingAnswer,
        IdentityClaim,
        IdentityVerdict,
        LifecycleEvent,
        Notification,
        ParsedHouseholdNumber,
        ParsedNationalId,
        PaymentRail,
        RegionSpec,
        RegistrationRequest,
        RegistryRule,
        RegistrySubject,
        SyntheticApplicant,
        WaveDraw,
    )

PROJECT = "skillsprogram"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def skillsprogram_check_settings(programme: ProgrammeConfig) -> None:
    """Validate this plugin's ``[plugin_settings.<name>]`` table when a configuration is loaded.

    Called once by :func:`skillsprogram.config.load_config` for every enabled
    plugin, so that a mistyped or missing setting fails at load, with the file
    named, rather than at the first applicant. Return nothing.

    :raises skillsprogram.errors.ConfigurationError: naming the table and the
        field at fault (validate with a pydantic model and report its errors).
    """


@hookspec(firstresult=True)
def skillsprogram_parse_national_id(
    raw: str, programme: ProgrammeConfig, clock: Clock
) -> ParsedNationalId | None:
    """Parse and normalise a national identity number.

    Called at registration, before anything is written, once per applicant.

    :param raw: the number as the applicant typed it (may hold spaces or dots).
    :param programme: the programme's configuration.
    :param clock: the programme's clock, for a number whose meaning depends on the
        date (the century of a two-digit birth year, a birth date in the future).
    :returns: a :class:`~skillsprogram.domain.exchange.ParsedNationalId`; set
        ``birth_date``, ``sex`` and ``region_code`` when the number encodes
        them, and the core refuses a registration whose declaration disagrees.
        Return ``None`` for "no opinion" (let another plugin or the generic
        pattern parser answer).
    :raises skillsprogram.errors.InvalidNationalId: when the number is malformed,
        with a message naming what is wrong.
    """


@hookspec(firstresult=True)
def skillsprogram_parse_household_number(
    raw: str, programme: ProgrammeConfig
) -> ParsedHouseholdNumber | None:
    """Parse and normalise a household (family-card) number.

    Called at registration when the applicant gives one.

    :returns: a :class:`~skillsprogram.domain.exchange.ParsedHouseholdNumber`
        (with ``region_code`` if the number encodes one), or ``None`` for no
        opinion.
    :raises skillsprogram.errors.InvalidHouseholdNumber: when it is malformed.
    """


@hookspec(firstresult=True)
def skillsprogram_verify_identities(
    claims: Sequence[IdentityClaim], programme: ProgrammeConfig
) -> list[IdentityVerdict] | None:
    """Confirm a batch of claimed identities (civil registry, face match, ...).

    Called by the identity-verification batch step with up to a few thousand
    claims at a time.

    :param claims: the identities to check, with clear values; never log them.
    :returns: one :class:`~skillsprogram.domain.exchange.IdentityVerdict` per
        claim (any order), or ``None`` to leave the batch to another plugin.
        A claim the verifier cannot decide now (registry down) may be left out:
        it stays ``registered`` and is tried again by the next run.
    """


@hookspec
def skillsprogram_eligibility_rules(
    applicants: Sequence[ApplicantFacts], programme: ProgrammeConfig, clock: Clock
) -> Iterable[Finding]:
    """Judge a batch of applicants against this plugin's eligibility rules.

    Collecting: every plugin's rules run and every finding is stored, so an
    officer can see each rule that failed. An applicant is eligible when no
    finding failed.

    :param applicants: facts the core gathered for each identity-verified
        applicant: age (on the day ``[eligibility] age_on`` names), region,
        occupation, declared attributes, how many of the household already
        receive a programme, and whether the person has received one before.
    :param clock: the programme's clock, for a rule that depends on the date.
    :returns: :class:`~skillsprogram.domain.exchange.Finding` values (rule id,
        passed, reason). Returning findings only for failures is fine; a rule
        that passes everyone may return nothing.
    """
    return ()  # never called: pluggy calls the implementations and collects their items


@hookspec
def skillsprogram_registry_rules(programme: ProgrammeConfig) -> Iterable[RegistryRule]:
    """Declare the eligibility rules this plugin checks against another registry.

    Collecting. Called once per screening run. A rule that must ask a registry about
    the person (another programme's enrolments, a poverty or tax registry) needs an
    identifier to ask with, which :class:`~skillsprogram.domain.exchange.ApplicantFacts`
    deliberately does not carry. Such a rule declares here the fields it needs
    (``needs``: any of ``national_id``, ``household_number``, ``full_name``,
    ``birth_date``), and the core hands its check exactly those, in clear, for a
    whole chunk of applicants at once (up to a thousand): one registry request per
    chunk, and no rule receives a personal value it did not declare. Everything
    else a rule may judge on (age, region, attributes) is in the ``ApplicantFacts``
    of ``skillsprogram_eligibility_rules``.

    :returns: :class:`~skillsprogram.domain.exchange.RegistryRule` values (rule id,
        the fields needed, a description); an empty iterable when the plugin checks
        no registry (for instance while its check is switched off in its settings).
    """
    return ()  # never called: pluggy calls the implementations and collects their items


@hookspec(firstresult=True)
def skillsprogram_check_registry(
    rule: str, subjects: Sequence[RegistrySubject], programme: ProgrammeConfig, clock: Clock
) -> Mapping[uuid.UUID, str] | None:
    """Check a chunk of applicants against the registry behind the rule ``rule``.

    Called during screening once per chunk and per rule a plugin declared with
    ``skillsprogram_registry_rules``; answer for your own rules and return ``None``
    for the others. An applicant with a failed rule is ineligible, with the rule id
    and reason stored as a finding. An exception (the registry is down) stops the
    screening run: the applicants not yet screened stay identity-verified and are
    screened by the next run.

    :param rule: the rule id, as declared.
    :param subjects: one :class:`~skillsprogram.domain.exchange.RegistrySubject` per
        applicant, carrying only the fields the rule declared.
    :param clock: the programme's clock, for a registry answer as of a day.
    :returns: the applications failing the rule, each with the reason (an empty
        mapping when all pass), or ``None`` when the rule is not this plugin's.
    """


@hookspec
def skillsprogram_registration_attributes(programme: ProgrammeConfig) -> Iterable[AttributeSpec]:
    """Declare the registration ``attributes`` this plugin's rules read.

    Collecting: every enabled plugin declares its own. Called at each registration
    batch, before anything is written, and by ``GET /v1/programme``, which shows the
    attributes to applicants with their labels in the caller's language. A request
    that lacks a ``required`` attribute, gives a value of the wrong type or outside
    ``choices``, or gives an attribute no plugin declares is refused with a
    ``ValidationFailed`` naming the field (``attributes.citizenship``), so a person is
    never registered and then judged ineligible for what they were not asked.

    Declare every attribute your eligibility and selection hooks read, required
    where a missing value would fail a rule (a citizenship the rule compares), not
    required where absence has a meaning (a priority flag left out is "no").

    :param programme: the programme's configuration (a requirement may depend on the
        plugin's settings, e.g. a social-assistance question only where it excludes).
    :returns: :class:`~skillsprogram.domain.exchange.AttributeSpec` values (name, type,
        whether required, allowed values with labels per locale); an empty iterable
        when the plugin reads no attribute. Two plugins declaring the same name must
        agree on its type.
    """
    return ()  # never called: pluggy calls the implementations and collects their items


@hookspec(firstresult=True)
def skillsprogram_rank_candidates(
    candidates: Sequence[Candidate], wave: WaveDraw, programme: ProgrammeConfig
) -> list[uuid.UUID] | None:
    """Order a wave's candidates for selection: a lottery, a priority list, or both.

    The core walks the returned order and selects each candidate while their
    region's quota (and the household cap) allows; everyone else is
    waitlisted for a later wave. The order must be reproducible from
    ``wave.seed`` alone: the same candidates and seed give the same order.

    :returns: application ids, best first, covering every candidate; or
        ``None`` for no opinion.
    """


@hookspec(firstresult=True)
def skillsprogram_benefit_schedule(
    events: Sequence[BenefitEvent], programme: ProgrammeConfig
) -> list[list[EntitlementSpec]] | None:
    """Say which benefit instalments each of a batch of events earns (the benefit schedule).

    Called when beneficiaries complete or rate courses, answer surveys or have a
    month's attendance reported, once per batch of such events (a provider's upload,
    a survey export): at most one event per beneficiary in a batch, so that each
    event's ``earned_before`` counts what the beneficiary's earlier events earned.
    The default plugin applies the ``[[benefits]]`` of the configuration; a plugin
    answers instead when its country's schedule cannot be said in configuration.

    :returns: one list per event, in the order of ``events``: the instalments that
        event earns (each ``(benefit, period)`` at most once per beneficiary: repeats
        are ignored), an instalment with ``withheld_reason`` for one that was due but
        is not paid; or ``None`` for no opinion.
    """


@hookspec(firstresult=True)
def skillsprogram_entitlements(
    event: BenefitEvent, programme: ProgrammeConfig
) -> list[EntitlementSpec] | None:
    """Deprecated: implement ``skillsprogram_benefit_schedule``; this hook goes in the next release.

    Still called once per event before the batch hook, and its answer wins for that
    event (``None`` leaves the event to ``skillsprogram_benefit_schedule``); a plugin
    implementing it gets a ``DeprecationWarning`` when it is registered (once per plugin).

    :returns: the instalments ``event`` earns, or ``None``.
    """


@hookspec
def skillsprogram_payment_rails(programme: ProgrammeConfig) -> Iterable[PaymentRail]:
    """Offer payment rails (e-wallets, banks, mobile money).

    Collecting: the programme can pay through every rail any enabled plugin
    offers. Called once when a programme's plugins are set up.

    :returns: objects satisfying :class:`~skillsprogram.domain.exchange.PaymentRail`;
        each rail ``code`` must be unique.
    """
    return ()  # never called: pluggy calls the implementations and collects their items


@hookspec(firstresult=True)
def skillsprogram_reserve_funds(
    programme: ProgrammeConfig,
    rail: str,
    reference: str,
    amount: int,
    currency: str,
    payment_rail: PaymentRail,
) -> FundingAnswer | None:
    """Check that a disbursement envelope can be paid, and reserve its total (a sponsor bank).

    Called once per envelope (one rail's share of a disbursement run) before any of
    its payouts is sent; called again with the same ``reference`` when funding is
    retried, so reserve once per reference. The default plugin
    (:mod:`skillsprogram.defaults.funding`) answers last, with the rail's own
    ``reserve_funds``: a sponsor-bank plugin that answers is asked instead.

    :param rail: the envelope's rail code.
    :param payment_rail: that rail, as its plugin offers it.
    :returns: a :class:`~skillsprogram.domain.exchange.FundingAnswer` (``reserved``
        with the bank's reservation reference, or not with the reason), or ``None``
        for no opinion (leave the envelope to the rail).
    """


@hookspec
def skillsprogram_notify_batch(notifications: Sequence[Notification], programme: ProgrammeConfig) -> None:
    """Send messages to people about events (SMS, e-mail, push), a batch at a time.

    Collecting: every channel plugin is called, once per batch of the audit-log
    dispatcher (up to a few thousand notifications, in audit-log order), so a channel
    can hand the whole batch to its gateway in one request. Called after the events
    have been committed, so a crash may repeat a notification but never loses one:
    make sends idempotent on ``notification.event.event_id``.

    :param notifications: the batch; each names the person (``person_id``), the
        template (the event's action, see the notification templates in
        ``docs/plugin-values.md``), the programme's locale, the message's ``text`` in
        that locale (from the catalogues, which a plugin may reword through
        ``skillsprogram_message_catalogues``) and the event itself.
    """


@hookspec
def skillsprogram_lifecycle_events(events: Sequence[LifecycleEvent], programme: ProgrammeConfig) -> None:
    """Observe committed state changes (exports, webhooks, analytics), a batch at a time.

    Collecting; called once per batch of the audit-log dispatcher (up to a few
    thousand events), in audit-log order, after commit, at least once per event.
    """


@hookspec
def skillsprogram_notify(notification: Notification, programme: ProgrammeConfig) -> None:
    """Deprecated: implement ``skillsprogram_notify_batch``; this hook goes in the next release.

    Still called once per notification, after ``skillsprogram_notify_batch`` has
    had the batch; a plugin implementing it gets a ``DeprecationWarning`` when it is
    registered (once per plugin).
    """


@hookspec
def skillsprogram_lifecycle_event(event: LifecycleEvent, programme: ProgrammeConfig) -> None:
    """Deprecated: implement ``skillsprogram_lifecycle_events``; this hook goes in the next release.

    Still called once per event, after ``skillsprogram_lifecycle_events`` has had
    the batch; a plugin implementing it gets a ``DeprecationWarning`` when it is
    registered (once per plugin).
    """


@hookspec
def skillsprogram_regions(programme: ProgrammeConfig) -> Iterable[RegionSpec]:
    """Provide the country's administrative regions.

    Collecting. Called when a programme starts (``skillsprogram run start``, the
    demo); the regions are added to the region table, or updated by code.

    :returns: :class:`~skillsprogram.domain.exchange.RegionSpec` values with
        hierarchical codes (``"32"`` a province, ``"32.04"`` a regency in it),
        the parent's code, the level (1 = top) and tags such as ``"3T"`` that
        selection plugins may weigh. Quotas are set at ``waves.quota_level``.
    """
    return ()  # never called: pluggy calls the implementations and collects their items


@hookspec(firstresult=True)
def skillsprogram_demo_catalogue(programme: ProgrammeConfig) -> list[CourseSpec] | None:
    """Provide a plausible course catalogue for demos and training sessions.

    Called once by ``skillsprogram demo``; real catalogues are published by
    platforms and providers.

    :returns: :class:`~skillsprogram.domain.exchange.CourseSpec` values (with
        their providers and platforms) priced in the programme's currency, or
        ``None`` when the plugin has none.
    """


@hookspec(firstresult=True)
def skillsprogram_synthetic_applicants(
    programme: ProgrammeConfig, count: int, seed: int
) -> Iterator[SyntheticApplicant] | None:
    """Make up ``count`` plausible applicants for a demo, reproducibly from ``seed``.

    Called once by ``skillsprogram demo``, which registers them in chunks.

    :returns: an iterator of :class:`~skillsprogram.domain.exchange.SyntheticApplicant`
        (a registration and the payment account the person would give), or
        ``None`` for no opinion. Include some that must be refused (malformed
        ids, duplicates, excluded occupations) so the demo shows every rule at
        work, and yield lazily: demos run with hundreds of thousands.
    """


@hookspec
def skillsprogram_api_routes(programme: ProgrammeConfig) -> Iterable[Any]:
    """Add routes to the HTTP API.

    Collecting. Called once when the API application is built (``create_app``).
    The routes are mounted under ``/v1``, behind the same problem+json errors,
    body limit and ``Idempotency-Key`` handling as the core's; protect them with
    the dependencies of :mod:`skillsprogram.api.deps` (``bearer(...)``,
    ``organisation(...)``) and keep them thin: call a service.

    :returns: ``fastapi.APIRouter`` objects (an empty iterable for none).
    """
    return ()  # never called: pluggy calls the implementations and collects their items


@hookspec(firstresult=True)
def skillsprogram_registration_example(programme: ProgrammeConfig) -> RegistrationRequest | None:
    """A registration this programme accepts, shown as the example body of
    ``POST /v1/registrations`` in the OpenAPI document.

    First result wins. Called once when the API's OpenAPI document is built. Use a
    made-up person whose national id, region and attributes pass the programme's
    parsing and attribute checks, so an integrator can send the example as it stands.

    :returns: a :class:`~skillsprogram.domain.exchange.RegistrationRequest`, or ``None``
        (the default) for no example.
    """


@hookspec
def skillsprogram_message_catalogues(programme: ProgrammeConfig) -> Iterable[Path]:
    """Offer folders of gettext message catalogues that translate or override texts.

    Collecting. Called once per programme context, when texts are first needed. Each
    folder is laid out as Babel and ``pybabel init`` lay it out:
    ``<folder>/<locale>/LC_MESSAGES/skillsprogram.po`` (the ``.po`` file is read as it
    is; no compilation step). A message found in a plugin's catalogue wins over the
    core's, so a country rewrites any text of the portal, a refusal reason or a
    notification by giving the same ``msgid`` another ``msgstr``, and adds a language
    the core does not ship by giving a whole catalogue for it. Plugins registered later
    win over those registered earlier.

    :returns: folders (``pathlib.Path``); an empty iterable for none.
    """
    return ()  # never called: pluggy calls the implementations and collects their items


@hookspec
def skillsprogram_portal_templates(programme: ProgrammeConfig) -> Iterable[Path]:
    """Offer folders of jinja2 templates that override the portal's.

    Collecting. Called once when the portal is built. A template found in a plugin's
    folder wins over the core's of the same name (``applicant/timeline.html``,
    ``base.html``, or the ``theme.html`` partial that holds the ministry's name and logo);
    a deployment's own folder (``SKILLSPROGRAM_PORTAL_TEMPLATES``) wins over every
    plugin's. Override a block rather than copy a whole template: the core's templates
    are built of ``{% block %}`` sections for that.

    :returns: folders (``pathlib.Path``); an empty iterable for none.
    """
    return ()  # never called: pluggy calls the implementations and collects their items
