"""Personal data: keyed hashes for look-ups, encryption where a value must be read back.

National ids, household numbers, phone numbers and account numbers never reach
the database or a log in clear. Each kind of value is hashed with its own
HMAC key so that equal values de-duplicate within a kind but cannot be joined
across kinds, and is encrypted for the
few places that must show it (masked unless the reader's role may see it) with
AES-256-GCM under a random 96-bit nonce; a ciphertext names its key version so
keys can be rotated. Every key is derived with HKDF from one deployment secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from enum import StrEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_VERSION = "v1"


class PersonalKind(StrEnum):
    """The kinds of personal value; each gets its own hash key."""

    NATIONAL_ID = "national_id"
    HOUSEHOLD_NUMBER = "household_number"
    PHONE = "phone"
    ACCOUNT_NUMBER = "account_number"
    EMAIL = "email"
    SIGN_IN_CODE = "sign_in_code"


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret)


class PersonalDataVault:
    """Hashes, encrypts, decrypts and masks personal values with one deployment secret."""

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if len(raw) < 16:
            raise ValueError("the personal-data secret must be at least 16 bytes")
        self._hash_keys = {kind: _derive(raw, f"hash:{kind}") for kind in PersonalKind}
        self._aead = AESGCM(_derive(raw, f"encrypt:{KEY_VERSION}"))

    def digest(self, kind: PersonalKind, value: str) -> str:
        """Return the keyed hash (hex) of a normalised value, for look-ups and uniqueness."""
        return hmac.new(self._hash_keys[kind], value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        """Return an encrypted token for ``value`` (``v1:`` + base64 of nonce and ciphertext)."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode(), None)
        return f"{KEY_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the clear value of a token made by :meth:`encrypt` with the same secret."""
        version, _, body = token.partition(":")
        if version != KEY_VERSION:
            raise ValueError(f"unknown personal-data key version {version!r}")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            return self._aead.decrypt(raw[:12], raw[12:], None).decode()
        except (InvalidTag, ValueError) as exc:
            raise ValueError("this value was encrypted with another secret, or altered") from exc


def mask(value: str, visible: int = 4) -> str:
    """Show only the last ``visible`` characters: ``************0001``."""
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]
