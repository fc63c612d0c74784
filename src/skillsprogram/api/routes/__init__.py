"""The API's routes, one module per resource; each is a thin layer over a service."""

from __future__ import annotations

from typing import Any

from skillsprogram.api.problems import Problem

_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, bad Idempotency-Key)",
    401: "Missing, invalid or expired credentials",
    403: "The caller's role or scopes do not allow this",
    404: "Not found (or not the caller's)",
    409: "Refused by the programme's rules or the record's state; or the same Idempotency-Key still running",
    413: "Request body too large",
    422: "Invalid fields (each named), or an Idempotency-Key reused for another request",
    429: "Too many requests; see Retry-After",
    503: "The programme is not configured for this",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json answers."""
    return {status: {"model": Problem, "description": _DESCRIPTIONS[status]} for status in statuses}


#: Every route may answer these.
COMMON = problems(400, 413, 422)
#: Routes for bearer tokens.
BEARER = problems(400, 401, 403, 413, 422)
#: Mutating routes (Idempotency-Key and rules).
MUTATING = problems(409)
