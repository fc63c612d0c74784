"""Hand committed state changes to plugins, in order, at least once.

The audit log doubles as the outbox: a cursor per consumer remembers the last
event delivered, so a crash between commit and delivery repeats deliveries but
never loses one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pluggy import HookCaller
from sqlalchemy import func, select, update
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import LifecycleEvent, Notification
from skillsprogram.domain.models import AuditEvent, EventCursor, Person
from skillsprogram.domain.types import uuid_or_none
from skillsprogram.i18n import N_, Catalogues
from skillsprogram.storage.rows import EventCursorRow
from skillsprogram.storage.uow import UnitOfWork, table_of

CONSUMER = "lifecycle-hooks"
CHUNK = 5_000

#: Actions a person is told about, and the notification template for each.
NOTIFIED_ACTIONS = {
    "identity_rejected": "identity-rejected",
    "screened_ineligible": "ineligible",
    "selected": "selected",
    "waitlisted": "waitlisted",
    "voucher_issued": "voucher-issued",
    "voucher_forfeited": "voucher-forfeited",
    "course_completed": "course-completed",
    "entitlement_withheld": "benefit-withheld",
    "account_rejected": "account-rejected",
    "payout_paid": "payout-paid",
    "payout_failed": "payout-failed",
    "payout_returned": "payout-returned",
    "revoked": "revoked",
}

#: What a person is told for each notification template, in English: the catalogues
#: translate it, and a plugin's catalogue may reword it (the same ``msgid``).
NOTIFICATION_TEXTS = {
    "identity-rejected": N_(
        "We could not verify your identity. Please check your details or contact the programme's help desk."
    ),
    "ineligible": N_("Sorry, you are not eligible for this programme. Your application page says why."),
    "selected": N_("Congratulations! You have been selected for the programme."),
    "waitlisted": N_(
        "You were not drawn this time and are on the waiting list for the next draw. "
        "There is no need to register again."
    ),
    "voucher-issued": N_("Your training voucher has been issued. Buy your first course before the deadline."),
    "voucher-forfeited": N_("Your training voucher was withdrawn because no course was bought in time."),
    "course-completed": N_("Congratulations on completing your course!"),
    "benefit-withheld": N_("This incentive payment is withheld: its conditions were not met."),
    "account-rejected": N_("Your payment account was not accepted. Please give an account in your own name."),
    "payout-paid": N_("Your incentive has been paid to your account."),
    "payout-failed": N_("Your payment could not be made. It will be tried again."),
    "payout-returned": N_("Your payment was returned by your bank. Please check your payment account."),
    "revoked": N_(
        "Your participation in the programme has been ended. "
        "You may file a complaint if you think this is wrong."
    ),
}


def dispatch_events(ctx: ProgrammeContext, limit: int | None = None) -> int:
    """Deliver events after the cursor to the lifecycle and notification hooks.

    Each chunk of up to ``CHUNK`` events is handed over once: the events to
    ``skillsprogram_lifecycle_events``, the notifications among them to
    ``skillsprogram_notify_batch``, then each one to a plugin still implementing the
    deprecated per-event hooks. Returns how many events were delivered to a plugin.
    Safe to call from several processes: the cursor row is locked while a chunk is
    delivered. When no enabled plugin observes lifecycle events, only the events a
    person is notified of are read (most of a wave's events are then skipped without
    being decoded).
    """
    delivered = 0
    locale = ctx.config.programme.locales[0]
    observed = any(
        caller.get_hookimpls()
        for caller in (ctx.hook.skillsprogram_lifecycle_events, ctx.hook.skillsprogram_lifecycle_event)
    )
    table = table_of(AuditEvent)
    while limit is None or delivered < limit:
        with ctx.uow() as uow:
            last = _cursor(uow)
            newest = uow.session.execute(select(func.max(table.c.id))).scalar()
            if newest is None or newest <= last:
                return delivered
            query = select(
                table.c.id,
                table.c.occurred_at,
                table.c.entity,
                table.c.entity_id,
                table.c.action,
                table.c.from_status,
                table.c.to_status,
                table.c.data,
            ).where(table.c.id > last, table.c.id <= newest)
            if not observed:
                query = query.where(table.c.action.in_(list(NOTIFIED_ACTIONS)))
            rows = uow.session.execute(query.order_by(table.c.id).limit(CHUNK)).all()
            batch = [LifecycleEvent(*row) for row in rows]
            hook = ctx.hook
            if observed:
                _deliver(
                    ctx,
                    batch,
                    hook.skillsprogram_lifecycle_events,
                    "events",
                    hook.skillsprogram_lifecycle_event,
                    "event",
                )
            _deliver(
                ctx,
                notifications_of(batch, locale, ctx.texts, chosen_languages(uow, ctx, batch)),
                hook.skillsprogram_notify_batch,
                "notifications",
                hook.skillsprogram_notify,
                "notification",
            )
            reached = rows[-1][0] if len(rows) == CHUNK else newest
            uow.session.execute(
                update(EventCursor).where(col(EventCursor.consumer) == CONSUMER).values(last_event_id=reached)
            )
            uow.commit()
            delivered += len(rows)
    return delivered


def notifications_of(
    batch: Sequence[LifecycleEvent],
    locale: str,
    texts: Catalogues | None = None,
    chosen: Mapping[str, str] | None = None,
) -> list[Notification]:
    """The notifications the events of ``batch`` give rise to, in the events' order, each
    with its text from ``texts`` (the programme's catalogues) in the language its person
    chose (``chosen``, by person id), else in ``locale``."""
    found = []
    for event in batch:
        template = NOTIFIED_ACTIONS.get(event.action)
        if template is None:
            continue
        person_id = event.data.get("person_id")
        language = (chosen or {}).get(str(person_id), locale)
        message = NOTIFICATION_TEXTS.get(template, "")
        text = texts.gettext(language, message) if texts is not None and message else message
        found.append(
            Notification(event=event, person_id=person_id, template=template, locale=language, text=text)
        )
    return found


def chosen_languages(
    uow: UnitOfWork, ctx: ProgrammeContext, batch: Sequence[LifecycleEvent]
) -> dict[str, str]:
    """The language each person notified in ``batch`` chose (of the programme's), by person id:
    one query per chunk, for the people who chose one."""
    people = {
        str(event.data["person_id"])
        for event in batch
        if event.action in NOTIFIED_ACTIONS and event.data.get("person_id")
    }
    ids = [found for person in people if (found := uuid_or_none(person)) is not None]
    if not ids:
        return {}
    offered = set(ctx.config.programme.locales)
    rows = uow.rows_among(
        select(col(Person.id), col(Person.locale)).where(col(Person.locale).is_not(None)), col(Person.id), ids
    )
    return {str(person_id): str(locale) for person_id, locale in rows if locale in offered}


def notify_now(ctx: ProgrammeContext, notifications: Sequence[Notification]) -> None:
    """Send ``notifications`` at once rather than through the audit log's dispatcher (a
    sign-in code, which the log must never hold): to ``skillsprogram_notify_batch``, then
    to plugins still implementing the deprecated ``skillsprogram_notify``."""
    hook = ctx.hook
    _deliver(
        ctx,
        notifications,
        hook.skillsprogram_notify_batch,
        "notifications",
        hook.skillsprogram_notify,
        "notification",
    )


def _deliver(
    ctx: ProgrammeContext,
    items: Sequence[Any],
    batch: HookCaller,
    batch_arg: str,
    each: HookCaller,
    each_arg: str,
) -> None:
    """Hand ``items`` to the ``batch`` hook in one call, then one by one to the deprecated
    per-event hook ``each`` when a plugin still implements it."""
    if not items:
        return
    batch(programme=ctx.config, **{batch_arg: items})
    if each.get_hookimpls():
        for item in items:
            each(programme=ctx.config, **{each_arg: item})


def _cursor(uow: UnitOfWork) -> int:
    return locked_cursor(uow, CONSUMER)


def locked_cursor(uow: UnitOfWork, consumer: str) -> int:
    """The last audit id ``consumer`` took in, its cursor row locked for this transaction
    (made at 0 on first use)."""
    query = uow.locked(select(col(EventCursor.last_event_id)).where(col(EventCursor.consumer) == consumer))
    last = uow.session.execute(query).scalar()
    if last is None:
        # Several workers may find no cursor at once: it is made once, then locked as usual.
        start: EventCursorRow = {"consumer": consumer, "last_event_id": 0}
        uow.insert_shared(EventCursor, [start], ["consumer"])
        last = uow.session.execute(query).scalar_one()
    return int(last)
