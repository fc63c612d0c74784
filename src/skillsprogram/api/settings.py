"""Settings of the HTTP API, read like the deployment's from ``SKILLSPROGRAM_*`` variables."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from pydantic import Field

from skillsprogram.settings import Settings


class ApiSettings(Settings):
    """The deployment settings plus what the API needs: which programme it serves, token
    lifetimes, limits."""

    programme: str = Field(default="", description="Code of the started programme the API serves")
    token_ttl_seconds: int = Field(default=900, ge=60, description="Lifetime of bearer tokens")
    refresh_ttl_seconds: int = Field(
        default=180 * 86_400, ge=3_600, description="Lifetime of applicants' refresh tokens"
    )
    registration_limit: int = Field(default=10, ge=1, description="Registrations per client per window")
    registration_window_seconds: int = Field(default=60, ge=1, description="The rate-limit window")
    sign_in_limit: int = Field(
        default=20,
        ge=1,
        description="Sign-in requests (asking for a code, sending one) per client per window",
    )
    sign_in_window_seconds: int = Field(default=60, ge=1, description="The sign-in rate-limit window")
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where rate limits are counted: `memory://` (this process only) or a storage "
        "every API process shares, such as `redis://127.0.0.1:6379`",
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1_024, description="Largest request body accepted")
    signature_tolerance_seconds: int = Field(
        default=300, ge=1, description="How old a signed rail callback may be"
    )
    clear_personal_data_roles: list[str] = Field(
        default_factory=lambda: ["officer", "admin"],
        description="Roles that see national ids, household and account numbers in clear",
    )
    problem_type_base: str = Field(
        default="urn:skillsprogram:problem:", description="Prefix of every problem ``type`` URI"
    )
    idempotency_retention_seconds: int = Field(
        default=86_400, ge=60, description="How long an answer is kept for replay"
    )
    idempotency_lease_seconds: int = Field(
        default=120, ge=1, description="After this, a request still marked running may be retried"
    )
    idempotency_wait_seconds: float = Field(
        default=10,
        ge=0,
        le=60,
        description="How long a retry waits for the first request with its key to finish before a 409",
    )

    portal: bool = Field(default=True, description="Serve the portal's pages beside the API")
    portal_templates: Path | None = Field(
        default=None,
        description="A folder of templates that win over the plugins' and the core's (a ministry's "
        "`theme.html`, `base.html` or any page)",
    )
    portal_static: Path | None = Field(
        default=None,
        description="A folder of static files (a logo, `theme.css`) served before the core's under `/static`",
    )
    portal_session_seconds: int = Field(
        default=8 * 3_600, ge=300, description="How long a portal session lasts after sign-in"
    )
    portal_secure_cookies: bool = Field(
        default=False,
        description="Mark the portal's session cookie `Secure`: set it wherever the portal is served "
        "over HTTPS, as it must be in production",
    )
    portal_max_upload_bytes: int = Field(
        default=5_000_000, ge=1_024, description="Largest file a provider may upload (CSV)"
    )
    partner_sign_in_limit: int = Field(
        default=10, ge=1, description="Failed partner sign-ins to the portal allowed per client per window"
    )
    partner_sign_in_window_seconds: int = Field(
        default=900, ge=1, description="The window of `partner_sign_in_limit`"
    )

    def token_key(self) -> bytes:
        """The key bearer tokens are signed with, derived from the deployment secret."""
        return hmac.new(self.resolved_secret().encode(), b"skillsprogram api tokens", hashlib.sha256).digest()

    def session_key(self) -> str:
        """The key the portal's session cookies are signed with, derived from the deployment
        secret (a different derivation from the tokens', so neither can stand for the other)."""
        return hmac.new(
            self.resolved_secret().encode(), b"skillsprogram portal sessions", hashlib.sha256
        ).hexdigest()
