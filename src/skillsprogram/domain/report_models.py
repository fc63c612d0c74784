"""Pre-aggregated monitoring figures: what :func:`skillsprogram.services.figures.refresh`
takes in from the audit log so that no report counts over the whole log at request time.

A **milestone** is one application reaching one stage (its primary key makes reaching a
stage twice count once); a **tally** counts milestones per stage, wave, leaf region and
day, which is what every funnel and refusal figure sums.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from skillsprogram.domain.types import BigIntPK


class ReportMilestone(SQLModel, table=True):
    """One application reaching one stage (``registered``, ``selected``, ``rule:<code>``...)
    on ``day`` (UTC), the first time it did."""

    __tablename__ = "report_milestone"

    application_id: uuid.UUID = Field(primary_key=True)
    stage: str = Field(sa_type=String(80), primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    day: date


class ReportTally(SQLModel, table=True):
    """How many applications of a wave (``0``: none yet) and a leaf region reached a stage on
    a day. Rebuilt from the milestones by each refresh."""

    __tablename__ = "report_tally"
    __table_args__ = (Index("ix_report_tally_programme_stage", "programme_id", "stage"),)

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    stage: str = Field(sa_type=String(80))
    wave: int = 0
    region_code: str = Field(sa_type=String(32))
    day: date
    count: int
