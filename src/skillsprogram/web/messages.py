"""What a person is told about a field they filled in wrongly, in their language.

The API names the broken rule with a stable code (pydantic's error type, a domain error's
``code``); the portal says the same in words, from the catalogues.
"""

from __future__ import annotations

from collections.abc import Mapping

from skillsprogram.i18n import N_

#: pydantic's error types, as a person reads them.
FIELD_MESSAGES: Mapping[str, str] = {
    "missing": N_("Please fill in this field."),
    "string_too_short": N_("Please fill in this field."),
    "string_too_long": N_("This is too long."),
    "string_pattern_mismatch": N_("This is not in the expected form."),
    "date_from_datetime_parsing": N_("Please give a date as year-month-day (2001-12-31)."),
    "date_parsing": N_("Please give a date as year-month-day (2001-12-31)."),
    "date_type": N_("Please give a date as year-month-day (2001-12-31)."),
    "int_parsing": N_("Please give a whole number."),
    "int_type": N_("Please give a whole number."),
    "greater_than_equal": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "literal_error": N_("Please choose one of the options."),
    "enum": N_("Please choose one of the options."),
    "bool_parsing": N_("Please choose yes or no."),
    "value_error": N_("This value is not valid."),
    "extra_forbidden": N_("This field is not part of the form."),
}
#: The generic message for an error type not listed above.
INVALID = N_("This value is not valid.")

#: Domain errors' codes, as a person reads them.
DOMAIN_MESSAGES: Mapping[str, str] = {
    "invalid-national-id": N_(
        "This national identity number is not valid, or does not match your birth date or sex."
    ),
    "invalid-household-number": N_("This family card number is not valid."),
    "duplicate-registration": N_("A person with this national identity number has already registered."),
    "registration-closed": N_("Registration is closed: no intake is open at the moment."),
    "consent-required": N_("You can register only if you agree to the processing of your data."),
    "consent-version-mismatch": N_(
        "The statement about your data has changed since you opened this page. "
        "Please read it again and agree to it."
    ),
    "email-not-collected": N_("This programme does not use an e-mail address."),
    "invalid-email": N_("This is not an e-mail address."),
    "unknown-locale": N_("Please choose one of the languages offered."),
    "invalid-sign-in-code": N_("This code is wrong or no longer valid. Check it, or ask for a new one."),
    "unknown-region": N_("Please choose your region from the list."),
    "insufficient-balance": N_("Your voucher balance is too low for this course."),
    "deadline-passed": N_("The deadline for this has passed."),
    "invalid-transition": N_("This cannot be done at this stage of your application."),
    "concurrent-change": N_("Someone else changed this at the same moment. Please try again."),
    "not-found": N_("This could not be found."),
    "application-not-found": N_("This could not be found."),
    "invalid-input": INVALID,
    "course-not-found": N_("This course is not on sale."),
    "voucher-not-found": N_("You have no training voucher yet."),
    "voucher-not-active": N_("Your voucher can no longer be used."),
    "first-purchase-deadline-passed": N_("The deadline for buying your first course has passed."),
    "currency-mismatch": N_("This course cannot be paid with your voucher."),
    "purchase-not-found": N_("This could not be found."),
    "purchase-not-completed": N_("You can rate a course once you have finished it."),
    "already-rated": N_("You have already rated this course."),
    "invalid-rating": N_("Please give from 1 to 5 stars."),
    "survey-not-found": N_("This could not be found."),
    "survey-not-open": N_("This survey opens later in the programme."),
    "survey-already-answered": N_("You have already answered this survey."),
    "survey-incomplete": N_("Please answer every question."),
    "survey-unknown-question": INVALID,
    "unknown-rail": N_("Please choose how you want to be paid from the list."),
    "invalid-account": N_("Please give the account number."),
    "account-taken": N_("This account is registered to someone else."),
    "account-not-found": N_("This could not be found."),
    "account-not-verified": N_("Only a verified account can be chosen to be paid into."),
    "grievance-not-found": N_("This could not be found."),
    "invalid-grievance": N_("Please fill in this field."),
    "invalid-grievance-category": N_("Please choose one of the options."),
    "too-many-open-grievances": N_(
        "You already have several complaints waiting for an answer. Please wait for one to be answered."
    ),
    "revoked": N_("Your participation was ended: this can no longer be done."),
}
