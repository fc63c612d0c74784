"""What ``skillsprogram demo --serve`` prints once the portal is up: who to be, and how."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from skillsprogram.api.security import ROLE_SCOPES
from skillsprogram.cli.feedback import console
from skillsprogram.config import ProgrammeConfig
from skillsprogram.demo.sign_ins import ReadySignIns
from skillsprogram.domain.access import ClientRole
from skillsprogram.domain.exchange import Notification
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.services.sign_in import TEMPLATE as SIGN_IN_TEMPLATE

#: What each demo applicant shows a trainer.
SHOWN = {
    "paid": "a recipient already paid: the whole timeline",
    "voucher": "a voucher still to spend: the catalogue and buying a course",
    "refused": "an applicant refused: the rule that refused them",
}


class ConsoleOutbox:
    """The demo's SANDBOX outbox for sign-in codes: each code is printed on the console that
    serves the demo, as a phone would show it, so a trainer signs in as a demo applicant."""

    @hookimpl
    def skillsprogram_notify_batch(
        self, notifications: Sequence[Notification], programme: ProgrammeConfig
    ) -> None:
        """Print each sign-in code's message, with where it would have gone."""
        for notification in notifications:
            if notification.template == SIGN_IN_TEMPLATE:
                console.print(
                    f"[yellow]SANDBOX[/] message to {notification.to}: {notification.text}",
                    soft_wrap=True,
                    highlight=False,
                )


def print_sign_ins(app: FastAPI, address: str, ready: ReadySignIns) -> None:
    """Print the demo's applicants, the provider's key and an officer's token (SANDBOX), one
    value per line so that each can be copied whole."""
    state = app.state.api
    state.ctx.pm.register(ConsoleOutbox(), name="demo-console-outbox")
    lines = ["[yellow]SANDBOX[/] sign-ins for this demo (made-up people, clients of this demo only):"]
    for person in ready.applicants:
        lines += [
            f"  applicant, {SHOWN.get(person.why, person.why)}: {address}/sign-in",
            f"      national id {person.national_id}, born {person.birth_date.isoformat()} "
            "(the code is printed here)",
        ]
    if ready.provider_key:
        lines += [
            f"  training provider {ready.provider_code}: {address}/partner/sign-in with the API key",
            f"      {ready.provider_key}",
        ]
    role = ClientRole.OFFICER.value
    token = state.tokens.issue(
        role, str(ready.officer_client_id), ROLE_SCOPES[role], client_id=ready.officer_client_id
    )
    minutes = token.expires_in // 60
    lines += [
        f"  officer, the API: {address}/docs, Authorize with the bearer token (valid {minutes} minutes)",
        f"      {token.access_token}",
        f"      a new one: POST {address}/v1/auth/token grant_type=client_credentials "
        f"client_id={ready.officer_client_id} client_secret={ready.officer_secret}",
    ]
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
    console.print("Stop with Ctrl+C.")
