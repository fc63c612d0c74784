"""The portal's pages, one module per part of the programme a person meets."""

from __future__ import annotations

from fastapi import APIRouter

from skillsprogram.web.routes import applicant, partner, public, registering

#: Every router of the portal, in the order they are included.
ROUTERS: list[APIRouter] = [public.router, registering.router, applicant.router, partner.router]
