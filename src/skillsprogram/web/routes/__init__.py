"""The portal's pages, one module per part of the programme a person meets."""

from __future__ import annotations

from fastapi import APIRouter

from skillsprogram.web.routes import (
    accounts,
    applicant,
    catalogue,
    complaints,
    console,
    figures,
    operations,
    partner,
    public,
    registering,
    signing_in,
    what_if,
)

#: Every router of the portal, in the order they are included.
ROUTERS: list[APIRouter] = [
    public.router,
    registering.router,
    signing_in.router,
    applicant.router,
    catalogue.router,
    accounts.router,
    complaints.router,
    partner.router,
    console.router,
    figures.router,
    operations.router,
    what_if.router,
]
