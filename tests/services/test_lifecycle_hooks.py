"""The lifecycle hooks: observers get each dispatcher chunk in one call, in audit-log order;
a plugin on the per-event hook of the previous release still hears of every event."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import LifecycleEvent
from skillsprogram.domain.models import AuditEvent
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.services import events
from tests.services.helpers import to_voucher


class Observer:
    """A lifecycle observer on the batch hook, counting its calls."""

    def __init__(self) -> None:
        self.batches: list[list[LifecycleEvent]] = []

    @hookimpl
    def skillsprogram_lifecycle_events(self, events: Sequence[LifecycleEvent], programme: object) -> None:
        self.batches.append(list(events))


class LegacyObserver:
    """A lifecycle observer written for the per-event hook."""

    def __init__(self) -> None:
        self.seen: list[LifecycleEvent] = []

    @hookimpl
    def skillsprogram_lifecycle_event(self, event: LifecycleEvent, programme: object) -> None:
        self.seen.append(event)


def _logged(ctx: ProgrammeContext) -> list[int]:
    with ctx.uow() as uow:
        return list(uow.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())


def test_observers_get_each_chunk_of_events_in_one_call_in_audit_log_order(
    ctx: ProgrammeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    observer = Observer()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("observer", observer)])
    events.dispatch_events(ctx)
    observer.batches.clear()
    monkeypatch.setattr(events, "CHUNK", 4)
    to_voucher(ctx, 3)
    seen = [e.event_id for batch in observer.batches for e in batch]
    assert seen == _logged(ctx)[-len(seen) :] and len(seen) >= 12
    assert max(len(batch) for batch in observer.batches) == 4


def test_a_per_event_observer_hears_of_every_event_and_is_warned_to_use_the_batch_hook(
    ctx: ProgrammeContext,
) -> None:
    legacy, observer = LegacyObserver(), Observer()
    name = f"legacy-observer-{uuid.uuid4().hex}"
    with pytest.warns(DeprecationWarning, match=f"{name}.*skillsprogram_lifecycle_events"):
        ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[(name, legacy), ("observer", observer)])
    to_voucher(ctx, 2)
    seen = [e.event_id for e in legacy.seen]
    assert seen == _logged(ctx)[-len(seen) :] and len(seen) >= 8
    assert legacy.seen == [e for batch in observer.batches for e in batch]


def test_the_default_plugins_implement_no_deprecated_hook() -> None:
    pm = build_plugin_manager()
    assert not pm.hook.skillsprogram_notify.get_hookimpls()
    assert not pm.hook.skillsprogram_lifecycle_event.get_hookimpls()
