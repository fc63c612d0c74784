"""Bodies of the token and client routes."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skillsprogram.api.schemas.fields import Body, Code, Text
from skillsprogram.domain.access import ClientRole


class TokenOut(BaseModel):
    """An OAuth2 access token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
    scope: str = Field(description="Space-separated scopes")
    refresh_token: str | None = Field(default=None, description="Applicants: the next refresh token")


class ClientIn(Body):
    """A new API client."""

    role: ClientRole
    name: Text
    owner_code: Code | None = Field(
        default=None, description="The platform, provider or rail code it acts for"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"role": "provider", "name": "Harbour Institute", "owner_code": "p1"}]
        },
    )


class ClientOut(BaseModel):
    """A client just created; ``secret`` and ``api_key`` are shown this once."""

    client_id: uuid.UUID
    role: str
    owner_code: str | None
    name: str
    secret: str
    api_key: str = Field(description="`<client id>.<secret>`, the X-API-Key of platforms and providers")
