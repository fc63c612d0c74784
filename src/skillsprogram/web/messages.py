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
    "too_short": N_("Please fill in this field."),
    "too_long": N_("This is too long."),
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
    "uuid_parsing": N_("This is not an id in the expected form."),
    "uuid_type": N_("This is not an id in the expected form."),
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
    # Applicants' vouchers, courses, ratings, surveys, accounts and complaints.
    "voucher-not-found": N_("You have no training voucher yet."),
    "voucher-not-active": N_("Your voucher can no longer be used."),
    "first-purchase-deadline-passed": N_("The deadline for buying your first course has passed."),
    "currency-mismatch": N_("This course cannot be paid with your voucher."),
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
    # Platforms' and providers' courses and enrolments.
    "course-exists": N_("A course with this code is already in the catalogue."),
    "unknown-platform": N_("No platform with this code is registered with the programme."),
    "unknown-provider": N_("No training provider with this code is registered with the programme."),
    "course-not-found": N_("This course could not be found."),
    "course-withdrawn": N_("This course has been withdrawn: it can no longer be changed."),
    "invalid-price": N_("Please give a price of zero or more."),
    "purchase-not-found": N_("This could not be found."),
    "redeem-code-not-found": N_("No purchase has this redeem code."),
    "already-redeemed": N_("This code has already been redeemed."),
    "purchase-not-redeemed": N_(
        "This enrolment has not been redeemed, or its completion has already been reported."
    ),
    "invalid-certificate": N_("Each completion needs its own certificate number, not used before."),
    "invalid-score": N_("A score is a whole number from 0 to 100."),
    "invalid-attendance": N_("Attendance is a percentage from 0 to 100."),
    "invalid-period": N_("Please give the month as year-month (2025-02)."),
    "period-out-of-range": N_(
        "Attendance is reported for a month from the one the course was bought in to this month."
    ),
    "already-reported": N_("Attendance for this enrolment and month has already been reported."),
}

#: Where a platform or a provider is told something else than an applicant, by code.
PARTNER_MESSAGES: Mapping[str, str] = {
    "course-not-found": N_("This course could not be found among yours."),
    "purchase-not-found": N_("No enrolment in your courses matches this."),
}

#: What is wrong with a line of an uploaded file as a whole, by its code.
LINE_MESSAGES: Mapping[str, str] = {
    "cell-count": N_("This row does not have as many cells as the header has columns."),
    "unclosed-quote": N_("A quoted cell of this row is not closed."),
    "line-too-long": N_("This row is too long."),
}

#: Why an uploaded file could not be read at all (``UnreadableFile``'s reason).
FILE_MESSAGES: Mapping[str, str] = {
    "too-large": N_("The file is too large: a file may hold at most %(limit)s bytes."),
    "not-utf8": N_(
        "The file is not a CSV file saved as UTF-8 text (line %(line)s holds a character in another "
        "encoding). Save it as “CSV UTF-8” and upload it again."
    ),
    "too-many-rows": N_(
        "The file has too many rows: a file may hold at most %(limit)s rows. Split it and upload each part."
    ),
    "empty": N_("The file is empty: its first row must name its columns."),
    "header": N_("The first row of the file must name its columns, separated by commas."),
    "columns": N_(
        "The first row must name the columns %(expected)s. Missing: %(missing)s. Not expected: %(unknown)s."
    ),
    "not-json": N_("The file could not be read."),
}
