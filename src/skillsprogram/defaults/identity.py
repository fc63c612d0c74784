"""Default identity verification: only where the configuration allows declared identities."""

from __future__ import annotations

from collections.abc import Sequence

from skillsprogram.config import ProgrammeConfig
from skillsprogram.domain.exchange import IdentityClaim, IdentityVerdict
from skillsprogram.hooks.specs import hookimpl


@hookimpl(trylast=True)
def skillsprogram_verify_identities(
    claims: Sequence[IdentityClaim], programme: ProgrammeConfig
) -> list[IdentityVerdict] | None:
    """Accept declared identities when ``identity.allow_unverified`` is set; otherwise no
    opinion, so that a programme with no verifier fails loudly instead of trusting everyone."""
    if not programme.identity.allow_unverified:
        return None
    return [IdentityVerdict(c.application_id, True, method="declared-unverified") for c in claims]
