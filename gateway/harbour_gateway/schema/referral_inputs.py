"""What a social worker sends in: a claimant, a consent, a referral, and which referrals to list."""

from __future__ import annotations

import strawberry


@strawberry.input(description="How to reach a claimant safely.")
class SafeContactInput:
    voicemail_ok: bool = False
    sms_ok: bool = True
    whatsapp_ok: bool = False
    best_times: str = ""
    notes: str = ""


@strawberry.input(description="A claimant's details, stored encrypted.")
class ClaimantInput:
    name: str = strawberry.field(description="Name or alias")
    alias: str | None = None
    phone: str | None = None
    email: str | None = None
    safe_contact: SafeContactInput | None = None
    languages: list[str] | None = None
    interpreter_needed: bool = False


@strawberry.input(description="Consent as the claimant gave it.")
class ConsentInput:
    claimant_id: strawberry.ID
    purpose: str = strawberry.field(description="A top-level category, e.g. legal")
    any_partner: bool = False
    receiving_organization_ids: list[strawberry.ID] | None = None
    data_categories: list[str] = strawberry.field(
        description="identity, contact, languages, needs, vulnerability"
    )
    method: str = strawberry.field(description="verbal, written or guardian")
    expires_at: str | None = None


@strawberry.input(description="A new referral.")
class ReferralInput:
    claimant_id: strawberry.ID
    service_id: strawberry.ID
    purpose: str
    urgency: str = "routine"
    share: list[str] | None = strawberry.field(default=None, description="Data categories")
    needs_summary: str = ""
    vulnerability_flags: list[str] | None = None
    candidates: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Services to try next, in order, if this one declines or expires"
    )
    recipient_worker: str | None = None
    send: bool = strawberry.field(default=False, description="Send at once (needs consent)")


@strawberry.input(description="Which referrals to list.")
class ReferralFilter:
    statuses: list[str] | None = None
