"""Who is calling: bearer tokens for applicants and staff, API keys for platforms and
providers, signatures for payment-rail callbacks; and what each may do.

Tokens are JWTs (HS256, keyed from the deployment secret) with an expiry checked
against the programme's clock. Staff get theirs from ``/v1/auth/token`` with the
OAuth2 client-credentials grant; applicants get one when they register. Every
route declares the scopes or roles it needs, and routes that touch one
application also check that an applicant caller owns it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt

from skillsprogram.api.problems import ApiError
from skillsprogram.clock import Clock
from skillsprogram.domain.access import ClientRole

APPLICANT = "applicant"

#: Every scope a staff token can carry, with what it allows.
STAFF_SCOPES: dict[str, str] = {
    "applications:read": "Read applications and their records (every read is audited)",
    "applications:write": "Revoke applications",
    "waves:write": "Open, close, allocate and draw waves; run the wave's batch steps",
    "payouts:write": "Schedule and run payouts",
    "people:lookup": "Look a person up by national id (audited)",
    "grievances:write": "Take up and answer complaints",
    "reports:read": "Read the programme's figures",
    "audit:read": "Read the audit log",
    "ledger:verify": "Run the ledger verification",
    "clients:write": "Create and revoke API clients",
}

#: The scopes each staff role may ask for.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    ClientRole.OFFICER.value: frozenset(
        {
            "applications:read",
            "applications:write",
            "waves:write",
            "payouts:write",
            "people:lookup",
            "grievances:write",
            "reports:read",
        }
    ),
    ClientRole.AUDITOR.value: frozenset({"audit:read", "ledger:verify", "reports:read"}),
    ClientRole.ADMIN.value: frozenset(STAFF_SCOPES),
    # A minister reads the programme's figures and nothing else.
    ClientRole.MINISTER.value: frozenset({"reports:read"}),
}

ALL_SCOPES = {APPLICANT: "An applicant acting on their own application", **STAFF_SCOPES}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    role: str
    subject: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    application_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    owner_code: str | None = None

    @property
    def actor(self) -> str:
        """How the caller is named in the audit log."""
        return f"{self.role}:{self.subject}"[:64]

    @property
    def is_applicant(self) -> bool:
        """True for an applicant's token."""
        return self.role == APPLICANT


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A bearer token and how long it lives."""

    access_token: str
    expires_in: int
    scope: str


class TokenService:
    """Issues and checks bearer tokens for one programme."""

    issuer = "skillsprogram"

    def __init__(
        self,
        key: bytes,
        audience: str,
        ttl_seconds: int,
        clock: Clock,
        refresh_ttl_seconds: int = 180 * 86_400,
    ) -> None:
        self._key = key
        self.audience = audience
        self.ttl = ttl_seconds
        self.refresh_ttl = refresh_ttl_seconds
        self.clock = clock

    def issue(
        self,
        role: str,
        subject: str,
        scopes: frozenset[str],
        application_id: uuid.UUID | None = None,
        client_id: uuid.UUID | None = None,
        ttl_seconds: int | None = None,
        kind: str = "access",
    ) -> IssuedToken:
        """Sign a token for ``subject`` acting as ``role`` with ``scopes`` (``kind`` is
        ``access``, or ``refresh`` for an applicant's refresh token)."""
        now = self.clock.now()
        ttl = ttl_seconds or self.ttl
        claims: dict[str, Any] = {
            "typ": kind,
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "role": role,
            "scope": " ".join(sorted(scopes)),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=ttl)).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if application_id is not None:
            claims["app"] = str(application_id)
        if client_id is not None:
            claims["cid"] = str(client_id)
        return IssuedToken(jwt.encode(claims, self._key, algorithm="HS256"), ttl, claims["scope"])

    def for_applicant(self, application_id: uuid.UUID) -> IssuedToken:
        """A token for the applicant of ``application_id``."""
        return self.issue(
            APPLICANT, f"application:{application_id}", frozenset({APPLICANT}), application_id=application_id
        )

    def refresh_for_applicant(self, application_id: uuid.UUID) -> str:
        """A long-lived refresh token the applicant trades for new access tokens."""
        return self.issue(
            APPLICANT,
            f"application:{application_id}",
            frozenset({APPLICANT}),
            application_id=application_id,
            ttl_seconds=self.refresh_ttl,
            kind="refresh",
        ).access_token

    def check_refresh(self, token: str) -> Principal:
        """The applicant of a valid, unexpired refresh token; 401 problems otherwise."""
        principal = self.check(token, kind="refresh")
        if principal.application_id is None:
            raise unauthenticated("the refresh token is invalid", "invalid-grant")
        return principal

    def check(self, token: str, kind: str = "access") -> Principal:
        """The principal of a valid, unexpired token of ``kind``; 401 problems otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=self.audience,
                issuer=self.issuer,
                # Expiry is checked against the programme's clock below, not the host's.
                options={"require": ["exp", "sub", "role", "iat"], "verify_exp": False},
            )
            if claims.get("typ") != kind:
                raise jwt.InvalidTokenError(f"not an {kind} token")
            expires = int(claims["exp"])
            application = uuid.UUID(claims["app"]) if "app" in claims else None
            client = uuid.UUID(claims["cid"]) if "cid" in claims else None
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise unauthenticated("the bearer token is invalid", "invalid-token") from None
        if self.clock.now().timestamp() >= expires:
            raise unauthenticated("the bearer token has expired", "token-expired")
        return Principal(
            role=str(claims["role"]),
            subject=str(claims["sub"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            application_id=application,
            client_id=client,
        )


def unauthenticated(detail: str, code: str = "unauthenticated", scheme: str = "Bearer") -> ApiError:
    """A 401 problem with its ``WWW-Authenticate`` challenge."""
    return ApiError(401, code, detail, headers={"WWW-Authenticate": scheme})


def forbidden(detail: str) -> ApiError:
    """A 403 problem."""
    return ApiError(403, "forbidden", detail)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a rail puts in ``X-Signature``: ``sha256=`` + HMAC-SHA256 of
    ``<timestamp>.<body>`` under the rail client's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def check_signature(
    secret: str, timestamp: str, body: bytes, signature: str, now: datetime, tolerance: int
) -> None:
    """Refuse (401) a callback whose signature is wrong or whose timestamp is stale."""
    try:
        sent = int(timestamp)
    except ValueError:
        raise unauthenticated("X-Timestamp must be Unix seconds", "invalid-signature", "Signature") from None
    if abs(now.timestamp() - sent) > tolerance:
        raise unauthenticated(
            "the signed request is too old or from the future", "stale-signature", "Signature"
        )
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise unauthenticated("the signature does not match the request", "invalid-signature", "Signature")
