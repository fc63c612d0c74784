"""What ``skillsprogram demo --serve`` prints once the portal is up: who to be, and how."""

from __future__ import annotations

from fastapi import FastAPI

from skillsprogram.api.security import ROLE_SCOPES
from skillsprogram.cli.feedback import console
from skillsprogram.demo.sign_ins import ReadySignIns
from skillsprogram.domain.access import ClientRole

#: What each demo applicant shows a trainer.
SHOWN = {
    "paid": "a recipient already paid: the whole timeline",
    "voucher": "a voucher still to spend: the catalogue and buying a course",
    "refused": "an applicant refused: the rule that refused them",
}


def print_sign_ins(app: FastAPI, address: str, ready: ReadySignIns) -> None:
    """Print the demo's applicants, the provider's key and an officer's token (SANDBOX), one
    value per line so that each can be copied whole."""
    state = app.state.api
    lines = ["[yellow]SANDBOX[/] sign-ins for this demo (made-up people, clients of this demo only):"]
    for person in ready.applicants:
        lines += [
            f"  applicant, {SHOWN.get(person.why, person.why)}: {address}/sign-in",
            f"      national id {person.national_id}, born {person.birth_date.isoformat()}",
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
