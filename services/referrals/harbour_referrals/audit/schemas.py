"""Response shapes of the audit log."""

from __future__ import annotations

from pydantic import BaseModel, Field

from harbour_referrals.audit.chain import Problem


class AuditVerification(BaseModel):
    """The outcome of walking the whole chain."""

    ok: bool
    checked: int = Field(description="Entries that passed")
    first_bad_seq: int | None = Field(description="The first entry at fault, if any")
    problem: Problem | None
