"""``skillsprogram serve`` (the HTTP API) and ``skillsprogram clients ...`` (who may call it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from skillsprogram.api.settings import ApiSettings
from skillsprogram.cli.feedback import console, refusing
from skillsprogram.cli.options import DatabaseOption, Programme, programme_context
from skillsprogram.cli.render import plain_columns
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import clients as client_service

if TYPE_CHECKING:
    from fastapi import FastAPI

clients = typer.Typer(
    help="API clients: platforms, providers, payment rails and staff.", no_args_is_help=True
)


@refusing
def serve(
    programme: Programme,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=0, max=65_535)] = 8000,
    database_url: DatabaseOption = None,
) -> None:
    """Serve the programme's portal (its pages, at /) and its HTTP API (under /v1; OpenAPI
    document at /openapi.json and /v1/openapi.json). SKILLSPROGRAM_PORTAL=false serves the
    API alone.

    The port is bound before the address is printed: a port another process holds is one
    line and exit status 2. Logs are JSON lines on standard error, without personal data.
    """
    updates: dict[str, object] = {"programme": programme}
    if database_url:
        updates["database_url"] = database_url
    run_server(ApiSettings().model_copy(update=updates), host, port)


def run_server(
    settings: ApiSettings, host: str, port: int, before: Callable[[FastAPI, str], None] | None = None
) -> None:
    """Serve ``settings``' programme on ``host:port`` until interrupted; ``before`` is told
    the app and its address once the port is bound (to print what to open)."""
    import uvicorn

    from skillsprogram.api import create_app
    from skillsprogram.api.serving import bind, server_config

    app = create_app(settings)
    sock = bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{sock.getsockname()[1]}"
    if settings.portal:
        console.print(
            f"serving {settings.programme}: the portal on {address}/, the API on {address}/v1 "
            "(OpenAPI: /openapi.json)"
        )
    else:
        console.print(f"serving {settings.programme}: the API on {address}/v1 (OpenAPI: /openapi.json)")
    if before is not None:
        before(app, address)
    uvicorn.Server(server_config(app)).run(sockets=[sock])


@clients.command("create")
@refusing
def create(
    programme: Programme,
    role: Annotated[str, typer.Option(help="platform, provider, rail, officer, auditor, admin or minister")],
    name: Annotated[str, typer.Option(help="Who the client is")],
    owner: Annotated[str | None, typer.Option(help="The platform, provider or rail code it acts for")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create a client and print its secret (shown only once)."""
    ctx = programme_context(programme, database_url)
    ctx.actor = "cli"
    with ctx.transaction() as uow:
        issued = client_service.create_client(uow, ctx, role, name, owner)
    # Plain echo: secrets must never be wrapped or styled, they are copied as they are.
    typer.echo(f"client id  {issued.client.id}")
    typer.echo(f"secret     {issued.secret}")
    if issued.client.role in ("platform", "provider"):
        typer.echo(f"X-API-Key  {issued.api_key}")
    console.print("[yellow]The secret is not stored in clear: keep it now.[/]")


@clients.command("revoke")
@refusing
def revoke(programme: Programme, client_id: str, database_url: DatabaseOption = None) -> None:
    """Revoke CLIENT_ID: its key, signatures and tokens stop working."""
    ctx = programme_context(programme, database_url)
    ctx.actor = "cli"
    with ctx.transaction() as uow:
        client_service.revoke_client(uow, ctx, _client_id(client_id))
    console.print(f"client {client_id} revoked")


def _client_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed(f"{value!r} is not a client id", code="invalid-id") from None


@clients.command("list")
@refusing
def list_clients(programme: Programme, database_url: DatabaseOption = None) -> None:
    """List clients (never their secrets)."""
    ctx = programme_context(programme, database_url)
    with ctx.uow() as uow:
        rows = [
            (
                str(c.id),
                c.role,
                c.owner_code or "",
                c.name,
                c.created_at.isoformat(),
                c.revoked_at.isoformat() if c.revoked_at else "",
            )
            for c in client_service.clients(uow)
        ]
    # Plain columns: an id is copied whole into `clients revoke`, whatever the terminal's width.
    typer.echo(plain_columns(("id", "role", "owner", "name", "created", "revoked"), rows))
