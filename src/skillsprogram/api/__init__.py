"""The HTTP API (FastAPI): every lifecycle service for every role, under ``/v1``.

``create_app(settings)`` builds the application; ``skillsprogram serve`` runs it with uvicorn.
"""

from __future__ import annotations

from skillsprogram.api.app import create_app
from skillsprogram.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
