"""The notification hook: a channel plugin hears of the steps a person is told about, once each."""

from __future__ import annotations

import dataclasses
import uuid
import warnings
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import LifecycleEvent, Notification
from skillsprogram.domain.models import Application, AuditEvent, Person
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import events, registration
from tests.conftest import START
from tests.services.helpers import to_voucher
from tests.support.demo_programmes import started


class Outbox:
    """A notification channel plugin that keeps what it would send (as an SMS gateway would)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.batches: list[int] = []

    @hookimpl
    def skillsprogram_notify_batch(self, notifications: Sequence[Notification], programme: object) -> None:
        self.batches.append(len(notifications))
        self.sent.extend(notifications)


def test_selected_person_is_notified_of_selection_and_voucher_in_the_programme_locale(
    ctx: ProgrammeContext,
) -> None:
    outbox = Outbox()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("outbox", outbox)])
    (holder,) = to_voucher(ctx, 1)
    events.dispatch_events(ctx)
    with ctx.uow() as uow:
        person = str(
            uow.session.execute(select(Application.person_id).where(Application.id == holder)).scalar_one()
        )
    mine = [n for n in outbox.sent if n.person_id == person]
    assert [n.template for n in mine] == ["selected", "voucher-issued"]
    assert {n.locale for n in mine} == {ctx.config.programme.locales[0]}


def test_a_person_who_chose_a_language_is_written_to_in_it(ctx: ProgrammeContext) -> None:
    holders = to_voucher(ctx, 2)
    with ctx.transaction() as uow:
        person_ids = [
            uow.session.execute(select(Application.person_id).where(Application.id == h)).scalar_one()
            for h in holders
        ]
        chosen = uow.session.get(Person, person_ids[0])
        assert chosen is not None
        chosen.locale = "en"
    with ctx.uow() as uow:
        rows = uow.session.execute(
            select(
                AuditEvent.id,
                AuditEvent.occurred_at,
                AuditEvent.entity,
                AuditEvent.entity_id,
                AuditEvent.action,
                AuditEvent.from_status,
                AuditEvent.to_status,
                AuditEvent.data,
            ).where(AuditEvent.action == "voucher_issued")
        ).all()
        batch = [LifecycleEvent(*row) for row in rows]
        sent = events.notifications_of(batch, "fr", None, events.chosen_languages(uow, ctx, batch))
    assert {n.person_id: n.locale for n in sent} == {str(person_ids[0]): "en", str(person_ids[1]): "fr"}


def test_a_second_dispatch_sends_nothing_again(ctx: ProgrammeContext) -> None:
    outbox = Outbox()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("outbox", outbox)])
    to_voucher(ctx, 2)
    events.dispatch_events(ctx)
    first = len(outbox.sent)
    assert first > 0
    assert events.dispatch_events(ctx) == 0
    assert len(outbox.sent) == first


def test_notifications_carry_no_personal_values(ctx: ProgrammeContext) -> None:
    outbox = Outbox()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("outbox", outbox)])
    to_voucher(ctx, 1)
    events.dispatch_events(ctx)
    for notification in outbox.sent:
        assert notification.person_id is None or uuid.UUID(notification.person_id)
        assert "national_id" not in notification.event.data


def test_notifications_cross_delivery_chunks_without_loss_or_repeat(
    ctx: ProgrammeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = Outbox()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("outbox", outbox)])
    monkeypatch.setattr(events, "CHUNK", 2)
    to_voucher(ctx, 5)
    events.dispatch_events(ctx)
    ids = [n.event.event_id for n in outbox.sent]
    assert ids == sorted(set(ids))
    with ctx.uow() as uow:
        expected = list(
            uow.session.execute(
                select(AuditEvent.id)
                .where(AuditEvent.action.in_(list(events.NOTIFIED_ACTIONS)))
                .order_by(AuditEvent.id)
            ).scalars()
        )
    assert ids == expected and len(ids) >= 10


def test_a_dispatch_hands_the_notifications_of_a_chunk_over_in_one_call(ctx: ProgrammeContext) -> None:
    outbox = Outbox()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("outbox", outbox)])
    to_voucher(ctx, 3)  # each step's transaction dispatches what it committed
    assert sum(outbox.batches) == len(outbox.sent)
    assert [n.template for n in outbox.sent].count("selected") == 3
    assert max(outbox.batches) == 3  # the draw's three selections, in one call


class LegacyOutbox:
    """A channel plugin written for the per-event hook of the previous release."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    @hookimpl
    def skillsprogram_notify(self, notification: Notification, programme: object) -> None:
        self.sent.append(notification)


def test_a_per_event_channel_still_hears_of_each_notification_and_is_warned_once(
    ctx: ProgrammeContext,
) -> None:
    legacy, batch = LegacyOutbox(), Outbox()
    name = f"legacy-outbox-{uuid.uuid4().hex}"
    with pytest.warns(DeprecationWarning, match="skillsprogram_notify_batch") as caught:
        ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[(name, legacy), ("outbox", batch)])
    assert sum(name in str(w.message) for w in caught) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        build_plugin_manager(ctx.config.plugins, extra=[(name, LegacyOutbox())])  # warned already
    to_voucher(ctx, 2)
    events.dispatch_events(ctx)
    assert legacy.sent == batch.sent and len(legacy.sent) >= 4


def test_a_person_who_chose_a_language_is_notified_in_it_and_others_in_the_programmes(
    engine: Engine, vault: PersonalDataVault
) -> None:
    ctx = started("indonesia", engine, vault)
    example = ctx.hook.skillsprogram_registration_example(programme=ctx.config)
    with ctx.transaction() as uow:
        application_id = registration.register(uow, ctx, dataclasses.replace(example, locale="en"))
        person_id = str(uow.session.get(Application, application_id).person_id)  # type: ignore[union-attr]
    chose = LifecycleEvent(1, START, "application", "a", "selected", None, None, {"person_id": person_id})
    other = LifecycleEvent(
        2, START, "application", "b", "selected", None, None, {"person_id": str(uuid.uuid4())}
    )
    with ctx.uow() as uow:
        chosen = events.chosen_languages(uow, ctx, [chose, other])
    assert chosen == {person_id: "en"}
    told = events.notifications_of([chose, other], "id", ctx.texts, chosen)
    assert [n.locale for n in told] == ["en", "id"]
    assert told[0].text == events.NOTIFICATION_TEXTS["selected"]
    assert told[1].text == ctx.texts.gettext("id", events.NOTIFICATION_TEXTS["selected"]) != told[0].text
