"""What people are told, in Khmer and English, and a SANDBOX SMS channel that "sends" it.

The texts are gettext catalogues (``locale/<lang>/LC_MESSAGES/skillsprogram.po``) offered
through ``skillsprogram_message_catalogues``: they translate the plugin's own texts (rule
reasons, attribute labels) and reword the core's notifications for the TVET programme
(a place at an institute rather than a voucher, an allowance rather than an incentive).
Each notification arrives with its text in the person's language; the SANDBOX channel
keeps the messages it would have sent (one per event, however often the event is
delivered) instead of calling an SMS gateway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from skillsprogram.plugin import N_, Notification

#: The plugin's catalogues (``skillsprogram_message_catalogues``): the Khmer and English of
#: its own texts, and its wording of the core's notifications.
CATALOGUES = Path(__file__).resolve().parent / "locale"

#: The labels of the programme's benefits (``[[benefits]] label`` of ``configs/``), which the
#: portal shows through the catalogues: marked here so that they are extracted and translated.
BENEFIT_LABELS = (N_("Monthly allowance during training"),)


@dataclass
class SandboxSmsOutbox:
    """Messages the SANDBOX channel would have sent, one per event."""

    sent: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    by_template: Counter[str] = field(default_factory=Counter)
    keep: int = 1_000

    def send(self, notification: Notification) -> bool:
        """Queue the message once per event id; returns False for a repeated delivery."""
        event_id = notification.event.event_id
        if event_id in self.sent:
            return False
        self.by_template[notification.template] += 1
        if len(self.sent) >= self.keep:
            self.sent.pop(next(iter(self.sent)))
        self.sent[event_id] = (notification.person_id, notification.text)
        return True

    def send_all(self, notifications: Iterable[Notification]) -> int:
        """Queue a dispatcher batch (one gateway request); returns how many were new."""
        return sum(self.send(notification) for notification in notifications)
