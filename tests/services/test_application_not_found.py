"""An application that is not in the programme is refused with one error wherever it is named."""

from __future__ import annotations

import uuid

import pytest

from skillsprogram.context import ProgrammeContext
from skillsprogram.errors import ApplicationNotFound, NotFound
from skillsprogram.services import clawback, employment, grievances
from skillsprogram.services.grievances import GrievanceFiling


def test_the_error_is_a_not_found_with_the_application_problem_code() -> None:
    missing = uuid.uuid4()
    error = ApplicationNotFound(missing, field="application_id")
    assert isinstance(error, NotFound)
    assert (error.code, error.message, error.details) == (
        "application-not-found",
        f"no application {missing} in this programme",
        {"field": "application_id"},
    )


def test_a_grievance_about_an_unknown_application_is_refused(ctx: ProgrammeContext) -> None:
    missing = uuid.uuid4()
    with ctx.transaction() as uow, pytest.raises(ApplicationNotFound) as refused:
        grievances.file_grievance(uow, ctx, GrievanceFiling(missing, "payment", "subject", "description"))
    assert str(missing) in refused.value.message


def test_a_repayment_and_an_employment_report_of_an_unknown_application_are_refused_items(
    ctx: ProgrammeContext,
) -> None:
    missing = uuid.uuid4()
    with ctx.transaction() as uow:
        (repaid,) = clawback.record_repayments(uow, ctx, [clawback.RepaymentIn(missing, 100, "BANK-1")])
        (reported,) = employment.record_employment_many(
            uow, ctx, [employment.EmploymentReport(missing, "employed")]
        )
    assert isinstance(repaid.error, ApplicationNotFound)
    assert isinstance(reported.error, ApplicationNotFound)
    assert reported.error.details == {"field": "application_id"}
