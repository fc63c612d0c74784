"""Default notification channel: a log line per message (no personal values).

A deployment enables a real channel (SMS gateway, e-mail) through a plugin
implementing ``skillsprogram_notify_batch``; this one keeps a trace of what would
be sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from skillsprogram.config import ProgrammeConfig
from skillsprogram.domain.exchange import Notification
from skillsprogram.hooks.specs import hookimpl

log = logging.getLogger("skillsprogram.notifications")


@hookimpl(trylast=True)
def skillsprogram_notify_batch(notifications: Sequence[Notification], programme: ProgrammeConfig) -> None:
    """Log each message's template and event id at DEBUG."""
    if not log.isEnabledFor(logging.DEBUG):
        return
    for notification in notifications:
        log.debug(
            "notify person=%s template=%s locale=%s event=%s",
            notification.person_id,
            notification.template,
            notification.locale,
            notification.event.event_id,
        )
