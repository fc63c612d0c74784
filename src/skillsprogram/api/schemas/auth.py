"""Bodies of the token and client routes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from skillsprogram.api.schemas.fields import Body, Code, Line, Text
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


class SignInCodeIn(Body):
    """Who asks for a sign-in code: a national id with the birth date, or the contact the
    programme signs in with (``GET /v1/programme``'s ``sign_in.contact``)."""

    national_id: Annotated[Line, StringConstraints(min_length=1, max_length=64)] | None = None
    birth_date: date | None = None
    contact: Annotated[Line, StringConstraints(min_length=3, max_length=254)] | None = Field(
        default=None, description="The phone number or e-mail address given at registration"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"national_id": "1000001", "birth_date": "2000-01-02"}]},
    )

    @model_validator(mode="after")
    def _one_way(self) -> SignInCodeIn:
        identity = (self.national_id is not None, self.birth_date is not None)
        if identity != ((self.contact is None),) * 2:
            raise ValueError("give national_id and birth_date, or contact")
        return self


class SignInChallengeOut(BaseModel):
    """The answer to every request for a code, whether or not anyone matched."""

    challenge: uuid.UUID = Field(description="Send it back with the code to /v1/auth/sign-in")
    expires_in: int = Field(description="Seconds the code, if one was sent, stays valid")
    contact: Literal["phone", "email"] = Field(description="Where a code is sent")
    detail: str = Field(
        default="If these details belong to a registered applicant, a code has been sent to them."
    )


class SignInIn(Body):
    """A code received, with the challenge it was asked under."""

    challenge: uuid.UUID
    code: Annotated[Line, StringConstraints(min_length=1, max_length=16)] = Field(
        description="The 6 digits received"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"challenge": "01890a5d-ac96-774b-bcce-b302099a8057", "code": "123456"}]
        },
    )


class SignedInOut(BaseModel):
    """The signed-in applicant's application and bearer token."""

    application_id: uuid.UUID
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str = Field(
        description="Trade at /v1/auth/token (grant_type=refresh_token) for a new access token"
    )
