"""Domain errors. Each names the rule it enforces through a stable ``code``.

The code is what an API turns into a problem ``type`` and what a test asserts;
the message is for people.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the programme's rules refuse. Nothing has been written."""

    code = "domain-error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ValidationFailed(DomainError):
    """Input that does not meet its format (an id, a date, an amount)."""

    code = "invalid-input"


class InvalidNationalId(ValidationFailed):
    """A national identity number that does not parse or disagrees with the declaration."""

    code = "invalid-national-id"


class InvalidHouseholdNumber(ValidationFailed):
    """A household (family-card) number that does not parse or disagrees with the person."""

    code = "invalid-household-number"


class DuplicateRegistration(DomainError):
    """The same person registering twice for one programme."""

    code = "duplicate-registration"


class InvalidTransition(DomainError):
    """A lifecycle step asked of a record that is not in a state that allows it."""

    code = "invalid-transition"


class ConcurrentChange(DomainError):
    """A write that kept losing to concurrent writes of the same records; trying again works."""

    code = "concurrent-change"


class NotFound(DomainError):
    """A record that does not exist (or that the caller may not see)."""

    code = "not-found"


class ApplicationNotFound(NotFound):
    """An application that is not in this programme (or that the caller may not see)."""

    code = "application-not-found"

    def __init__(self, application_id: object, **details: Any) -> None:
        super().__init__(f"no application {application_id} in this programme", **details)
        self.application_id = application_id


class InsufficientBalance(DomainError):
    """A voucher spend beyond the remaining balance."""

    code = "insufficient-balance"


class DeadlinePassed(DomainError):
    """An action after the deadline that governs it."""

    code = "deadline-passed"


class AccountNotVerified(DomainError):
    """A payout to an account that has not been verified in the beneficiary's name."""

    code = "account-not-verified"


class LedgerImbalance(DomainError):
    """A ledger transaction whose entries do not sum to zero per currency."""

    code = "ledger-imbalance"


class ConfigurationError(DomainError):
    """A programme configuration or plugin set-up that cannot work."""

    code = "configuration-error"


class RegistrationClosed(DomainError):
    """Registration outside any open wave's window."""

    code = "registration-closed"
