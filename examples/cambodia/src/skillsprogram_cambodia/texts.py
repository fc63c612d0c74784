"""What people are told, in Khmer and English, and a SANDBOX SMS channel that "sends" it.

Messages are keyed by the core's notification templates; a programme's first
locale (``[programme] locales``) is the language people are written to in,
English the fallback. The SANDBOX channel keeps the messages it would have
sent (one per event, however often the event is delivered) instead of calling
an SMS gateway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from skillsprogram.plugin import Notification

TEXTS: dict[str, dict[str, str]] = {
    "identity-rejected": {
        "km": "យើងមិនអាចផ្ទៀងផ្ទាត់អត្តសញ្ញាណរបស់អ្នកបានទេ។ សូមទាក់ទងមន្ទីរការងារខេត្ត។",
        "en": "We could not verify your identity. Please contact your provincial labour department.",
    },
    "ineligible": {
        "km": "សូមអភ័យទោស អ្នកមិនមានសិទ្ធិចូលរួមកម្មវិធីនេះទេ។",
        "en": "Sorry, you are not eligible for this programme.",
    },
    "selected": {
        "km": "អបអរសាទរ! អ្នកត្រូវបានជ្រើសរើសសម្រាប់កម្មវិធីបណ្តុះបណ្តាលជំនាញបច្ចេកទេស។",
        "en": "Congratulations! You have been selected for the technical and vocational training programme.",
    },
    "waitlisted": {
        "km": "អ្នកស្ថិតក្នុងបញ្ជីរង់ចាំសម្រាប់វគ្គបន្ទាប់ ដោយមិនចាំបាច់ចុះឈ្មោះម្តងទៀតទេ។",
        "en": "You are on the waiting list for the next intake; there is no need to register again.",
    },
    "voucher-issued": {
        "km": "កន្លែងសិក្សារបស់អ្នកត្រូវបានបញ្ជាក់។ ថ្លៃសិក្សាត្រូវបានបង់ជូនគ្រឹះស្ថានដោយផ្ទាល់។",
        "en": "Your place is confirmed. The tuition is paid to the institute directly.",
    },
    "voucher-forfeited": {
        "km": "កន្លែងសិក្សារបស់អ្នកត្រូវបានលុបចោល ដោយសារមិនបានចុះឈ្មោះចូលរៀនទាន់ពេល។",
        "en": "Your place was cancelled because you did not enrol in time.",
    },
    "course-completed": {
        "km": "អបអរសាទរចំពោះការបញ្ចប់វគ្គសិក្សារបស់អ្នក!",
        "en": "Congratulations on completing your course!",
    },
    "benefit-withheld": {
        "km": "ប្រាក់ឧបត្ថម្ភប្រចាំខែនេះមិនត្រូវបានផ្តល់ទេ ដោយសារវត្តមានរបស់អ្នកទាបជាងកម្រិតកំណត់។",
        "en": "This month's allowance is withheld: your attendance was below the required level.",
    },
    "account-rejected": {
        "km": "គណនីទូទាត់របស់អ្នកមិនត្រូវបានទទួលយកទេ។ សូមផ្តល់គណនីក្នុងឈ្មោះរបស់អ្នកផ្ទាល់។",
        "en": "Your payment account was not accepted. Please give an account in your own name.",
    },
    "payout-paid": {
        "km": "ប្រាក់ឧបត្ថម្ភរបស់អ្នកត្រូវបានផ្ទេរទៅគណនីរបស់អ្នក។",
        "en": "Your allowance has been paid to your account.",
    },
    "payout-failed": {
        "km": "ការផ្ទេរប្រាក់បានបរាជ័យ។ សូមទាក់ទងមន្ទីរការងារខេត្ត។",
        "en": "The payment failed. Please contact your provincial labour department.",
    },
    "sign-in-code": {
        "km": "លេខកូដចូលប្រព័ន្ធរបស់អ្នកគឺ {code}។ វាប្រើបានតែម្តង ក្នុងរយៈពេល {minutes} នាទី។ "
        "កុំប្រាប់លេខកូដនេះដល់នរណាម្នាក់ឡើយ។",
        "en": "Your sign-in code is {code}. It works once, for {minutes} minutes. "
        "Do not share it with anyone.",
    },
    "revoked": {
        "km": "ការចូលរួមរបស់អ្នកក្នុងកម្មវិធីត្រូវបានដកហូត។",
        "en": "Your participation in the programme has been revoked.",
    },
}


def text(template: str, locale: str, values: Mapping[str, str] | None = None) -> str:
    """The message for ``template`` in ``locale`` (English when there is none in it), with
    the notification's ``values`` (a sign-in code) filled in."""
    messages = TEXTS.get(template, {})
    found = messages.get(locale) or messages.get("en") or template
    return found.format_map(dict(values)) if values else found


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
        self.sent[event_id] = (
            notification.person_id,
            text(notification.template, notification.locale, notification.values),
        )
        return True

    def send_all(self, notifications: Iterable[Notification]) -> int:
        """Queue a dispatcher batch (one gateway request); returns how many were new."""
        return sum(self.send(notification) for notification in notifications)
