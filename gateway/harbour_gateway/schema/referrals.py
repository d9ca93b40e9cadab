"""Referrals: consent, sending, the partner's inbox and every step of the lifecycle."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from harbour_gateway.context import Info
from harbour_gateway.downstream import DownstreamError, segment
from harbour_gateway.permissions import NetworkAdmin, PartnerStaff, SignedIn, SocialWorker
from harbour_gateway.problems import (
    Conflict,
    ConsentMissing,
    Forbidden,
    NotFound,
    ValidationProblem,
    invalid,
    outage,
    typed,
)
from harbour_gateway.schema.directory import Organization, Service, directory_batch, services
from harbour_gateway.schema.referral_inputs import (
    ClaimantInput,
    ConsentInput,
    ReferralFilter,
    ReferralInput,
)
from harbour_gateway.schema.relay import Connection, Edge, PageInfo
from harbour_gateway.schema.selection import selected
from harbour_kit.contracts.vocabulary import HoldReason, RejectReason

# Sent on as an HTTP header: visible ASCII only, as long as the referrals service keeps.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")
# The organisation fields of a referral and the record key holding each one's id.
ORGANIZATION_FIELDS = (
    ("referrerOrganization", "referrer_organization_id"),
    ("recipientOrganization", "recipient_organization_id"),
)


# The reasons' GraphQL enums are the lifecycle's own codes, by member name.
strawberry.enum(RejectReason, description="Why a partner declines a referral.")
strawberry.enum(HoldReason, description="Why a referral is on hold.")


@strawberry.type(description="One step in a referral's history.")
class HistoryEntry:
    version: int
    action: str
    from_status: str | None
    to_status: str
    business_status: str | None
    actor: str | None
    actor_organization_id: str | None
    at: str


@strawberry.type(description="A message on a referral, visible to both organisations.")
class Note:
    id: strawberry.ID
    author: str | None
    author_organization_id: str | None
    body: str
    created_at: str | None


@strawberry.type(description="A handoff of a claimant from a referrer to a partner's service.")
class Referral:
    id: strawberry.ID
    reference: str = strawberry.field(description="What people quote, e.g. R-8F3K2Q")
    version: int = strawberry.field(description="Pass it back to change the referral")
    status: str = strawberry.field(description="FHIR Task status")
    business_status: str | None
    purpose: str
    urgency: str
    recipient_worker: str | None
    assignee: str | None
    replaces_id: strawberry.ID | None
    link_kind: str | None
    consent_id: strawberry.ID | None
    created_at: str | None
    sent_at: str | None
    acknowledge_by: str | None
    decide_by: str | None
    closed_at: str | None
    outcome: str | None
    side: str | None = strawberry.field(description="referrer or recipient: your side of it")
    allowed_actions: list[str] = strawberry.field(description="What you may do next")
    # Filled by `referrals()` in batches, as the query selects them: no resolver per row.
    service: Service = strawberry.field(description="The service it was sent to")
    candidates: list[Service] = strawberry.field(description="Services to try next, in order")
    referrer_organization: Organization | None = None
    recipient_organization: Organization | None = None
    record: strawberry.Private[dict[str, Any]]

    @staticmethod
    def of(
        record: dict[str, Any],
        *,
        service: Service,
        candidates: list[Service],
        referrer_organization: Organization | None = None,
        recipient_organization: Organization | None = None,
    ) -> Referral:
        """A referral from the referrals service's view of it."""
        return Referral(
            id=strawberry.ID(record["id"]),
            reference=record["reference"],
            version=record["version"],
            status=record["status"],
            business_status=record.get("business_status"),
            purpose=record["purpose"],
            urgency=record["urgency"],
            recipient_worker=record.get("recipient_worker"),
            assignee=record.get("assignee"),
            replaces_id=record.get("replaces_id"),
            link_kind=record.get("link_kind"),
            consent_id=record.get("consent_id"),
            created_at=record.get("created_at"),
            sent_at=record.get("sent_at"),
            acknowledge_by=record.get("acknowledge_by"),
            decide_by=record.get("decide_by"),
            closed_at=record.get("closed_at"),
            outcome=record.get("outcome"),
            side=record.get("side"),
            allowed_actions=list(record.get("allowed_actions") or []),
            service=service,
            candidates=candidates,
            referrer_organization=referrer_organization,
            recipient_organization=recipient_organization,
            record=record,
        )

    @strawberry.field(description="Every step so far")
    async def history(self, info: Info) -> list[HistoryEntry]:
        rows = self.record.get("history")
        if rows is None:
            rows = (await _get(info, f"/referrals/{segment(self.id)}"))["history"]
        return [
            HistoryEntry(
                version=h["version"],
                action=h["action"],
                from_status=h.get("from"),
                to_status=h["to"],
                business_status=h.get("business_status"),
                actor=h.get("actor"),
                actor_organization_id=h.get("actor_organization_id"),
                at=h["at"],
            )
            for h in rows
        ]

    @strawberry.field(description="The messages on it (each read is audited)")
    async def notes(self, info: Info) -> list[Note]:
        data = await _get(info, f"/referrals/{segment(self.id)}/notes")
        return [
            Note(
                id=strawberry.ID(n["id"]),
                author=n.get("author"),
                author_organization_id=n.get("author_organization_id"),
                body=n["body"],
                created_at=n.get("created_at"),
            )
            for n in data["items"]
        ]

    @strawberry.field(
        description="What the consent let the referrer share about the claimant (audited; only "
        "while the referral is open to you)"
    )
    async def shared_details(self, info: Info) -> JSON | None:
        data = await _get(info, f"/referrals/{segment(self.id)}/claimant")
        shared: Any = data.get("shared")
        return shared


@strawberry.type(description="A claimant's recorded consent to share their details.")
class Consent:
    id: strawberry.ID
    claimant_id: strawberry.ID
    purpose: str
    any_partner: bool
    receiving_organization_ids: list[str]
    data_categories: list[str]
    method: str
    given_at: str
    expires_at: str | None
    withdrawn_at: str | None
    active: bool

    @staticmethod
    def of(record: dict[str, Any]) -> Consent:
        """A consent from the referrals service's view of it."""
        return Consent(
            id=strawberry.ID(record["id"]),
            claimant_id=strawberry.ID(record["claimant_id"]),
            purpose=record["purpose"],
            any_partner=record["any_partner"],
            receiving_organization_ids=list(record["receiving_organization_ids"]),
            data_categories=list(record["data_categories"]),
            method=record["method"],
            given_at=record["given_at"],
            expires_at=record.get("expires_at"),
            withdrawn_at=record.get("withdrawn_at"),
            active=record["active"],
        )


@strawberry.type(description="A claimant was recorded; only this id leaves the referrals service.")
class ClaimantRecorded:
    id: strawberry.ID


ReferralResult = Annotated[Referral | Forbidden, strawberry.union("ReferralResult")]
ReferralChange = Annotated[
    Referral | NotFound | Forbidden | Conflict | ValidationProblem | ConsentMissing,
    strawberry.union("ReferralChange"),
]
ConsentChange = Annotated[
    Consent | NotFound | Forbidden | ValidationProblem, strawberry.union("ConsentChange")
]
ClaimantChange = Annotated[
    ClaimantRecorded | Forbidden | ValidationProblem, strawberry.union("ClaimantChange")
]
NoteChange = Annotated[Note | Forbidden | ValidationProblem, strawberry.union("NoteChange")]
Referrals = Connection[Referral]


async def _get(info: Info, path: str, params: dict[str, str] | None = None) -> Any:
    try:
        return await info.context.downstream.get(
            "referrals", path, token=info.context.token, params=params
        )
    except DownstreamError as exc:
        if exc.status >= 500 or exc.status == 401:
            raise outage(exc) from exc
        problem = typed(exc, hide_existence=True)
        raise outage(
            DownstreamError("referrals", exc.status, problem.code, problem.message)
        ) from exc


async def referrals(info: Info, records: list[dict[str, Any]], *path: str) -> list[Referral]:
    """Referrals with the services and organisations the query selects at `path`, in batches."""
    fields = selected(info, *path)
    org_ids = [
        str(record[key])
        for record in records
        for name, key in ORGANIZATION_FIELDS
        if name in fields and record.get(key) is not None
    ]
    # Asked for before the services, so both batches go out together.
    organizations = info.context.loaders.organizations()
    pending_orgs = asyncio.ensure_future(organizations.load_many(org_ids)) if org_ids else None
    if pending_orgs is not None:  # its failure is read below, or dropped if services failed
        pending_orgs.add_done_callback(lambda f: f.cancelled() or f.exception())
    wanted = selected(info, *path, "service") if "service" in fields else set()
    service_list = await services(info, [(str(r["service_id"]), {}) for r in records], wanted)
    picks = [[str(c) for c in r.get("candidates") or []] for r in records]
    flat: list[tuple[str, dict[str, Any]]] = (
        [(c, {}) for cs in picks for c in cs] if "candidates" in fields else []
    )
    candidate_list = iter(await services(info, flat, selected(info, *path, "candidates")))
    orgs: dict[str, Organization | None] = {}
    if pending_orgs is not None:
        loaded = await directory_batch(pending_orgs)
        orgs = {o: Organization.of(f) if f else None for o, f in zip(org_ids, loaded, strict=True)}
    return [
        Referral.of(
            record,
            service=service,
            candidates=[next(candidate_list) for _ in cs] if flat else [],
            referrer_organization=orgs.get(str(record.get("referrer_organization_id"))),
            recipient_organization=orgs.get(str(record.get("recipient_organization_id"))),
        )
        for record, service, cs in zip(records, service_list, picks, strict=True)
    ]


async def _referral(info: Info, record: dict[str, Any]) -> Referral:
    """One referral, with what the query selects below the current field."""
    (referral,) = await referrals(info, [record])
    return referral


async def _list(
    info: Info, box: str, filter: ReferralFilter | None, first: int, after: str | None
) -> Referrals:
    params = {"box": box, "limit": str(max(1, min(first, 200)))}
    if filter and filter.statuses:
        params["status"] = ",".join(filter.statuses)
    if after:
        params["cursor"] = after
    data = await _get(info, "/referrals", params)
    nodes = await referrals(info, data["items"], "edges", "node")
    edges = [Edge(cursor=r["cursor"], node=n) for r, n in zip(data["items"], nodes, strict=True)]
    return Referrals(
        edges=edges,
        page_info=PageInfo(
            has_next_page=data.get("next_cursor") is not None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def _write(
    info: Info,
    path: str,
    body: Any = None,
    *,
    version: int | None = None,
    idempotency_key: str | None = None,
) -> Any:
    headers = {}
    if version is not None:
        headers["if-match"] = f'"{version}"'
    if idempotency_key:
        headers["idempotency-key"] = idempotency_key
    return await info.context.downstream.request(
        "POST", "referrals", path, token=info.context.token, body=body, headers=headers
    )


async def _referral_change(
    info: Info, path: str, body: Any = None, *, version: int | None = None, key: str | None = None
) -> ReferralChange:
    try:
        record = await _write(info, path, body, version=version, idempotency_key=key)
    except DownstreamError as exc:
        return typed(exc, hide_existence=True)
    return await _referral(info, record)


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _box(box: str, description: str, role: type) -> Any:
    """A list of the organisation's referrals: those it sent, or its inbox."""

    async def resolve(
        info: Info, filter: ReferralFilter | None = None, first: int = 20, after: str | None = None
    ) -> Referrals:
        return await _list(info, box, filter, first, after)

    return strawberry.field(
        resolver=resolve, description=description, permission_classes=[SignedIn, role]
    )


@strawberry.type
class ReferralsQuery:
    referrals: Referrals = _box(
        "sent", "Referrals my organisation sent, newest first.", SocialWorker
    )
    inbox: Referrals = _box(
        "inbox", "Referrals sent to my organisation, newest first.", PartnerStaff
    )

    @strawberry.field(
        description="One referral with its history, if it is open to your organisation.",
        permission_classes=[SignedIn],
    )
    async def referral(self, info: Info, id: strawberry.ID) -> ReferralResult:
        try:
            record = await info.context.downstream.get(
                "referrals", f"/referrals/{segment(id)}", token=info.context.token
            )
        except DownstreamError as exc:
            problem = typed(exc, hide_existence=True)
            if isinstance(problem, Forbidden):
                return problem
            return Forbidden(code=problem.code, message=problem.message)
        return await _referral(info, record)

    @strawberry.field(
        description="A claimant's consents (your organisation's claimants).",
        permission_classes=[SignedIn, SocialWorker],
    )
    async def consents(self, info: Info, claimant_id: strawberry.ID) -> list[Consent]:
        data = await _get(info, "/consents", {"claimant_id": str(claimant_id)})
        return [Consent.of(c) for c in data["items"]]

    @strawberry.field(
        description="Network figures: volumes, time to acknowledge and accept, declines by "
        "reason, by category and district; no personal data.",
        permission_classes=[SignedIn, NetworkAdmin],
    )
    async def network_figures(self, info: Info) -> JSON:
        figures: Any = await _get(info, "/figures")
        return figures


def _step(name: str, description: str, *roles: type) -> Any:
    """A mutation for one lifecycle action without inputs beyond the version."""

    async def resolve(
        info: Info, id: strawberry.ID, version: int | None = None, text: str | None = None
    ) -> ReferralChange:
        return await _referral_change(
            info,
            f"/referrals/{segment(id)}/actions/{name}",
            _drop_none({"text": text}),
            version=version,
        )

    return strawberry.mutation(
        resolver=resolve, description=description, permission_classes=[SignedIn, *roles]
    )


def _closing(name: str, description: str) -> Any:
    """A partner's mutation that closes a referral with its outcome."""

    async def resolve(
        info: Info, id: strawberry.ID, outcome: str, version: int | None = None
    ) -> ReferralChange:
        return await _referral_change(
            info, f"/referrals/{segment(id)}/actions/{name}", {"outcome": outcome}, version=version
        )

    return strawberry.mutation(
        resolver=resolve, description=description, permission_classes=[SignedIn, PartnerStaff]
    )


@strawberry.type
class ReferralsMutation:
    @strawberry.mutation(
        description="Record a claimant (details are encrypted).",
        permission_classes=[SignedIn, SocialWorker],
    )
    async def record_claimant(self, info: Info, details: ClaimantInput) -> ClaimantChange:
        body = _drop_none(
            {
                "name": details.name,
                "alias": details.alias,
                "phone": details.phone,
                "email": details.email,
                "languages": details.languages,
                "interpreter_needed": details.interpreter_needed,
                "safe_contact": vars(details.safe_contact) if details.safe_contact else None,
            }
        )
        try:
            data = await _write(info, "/claimants", body)
        except DownstreamError as exc:
            problem = typed(exc)
            if isinstance(problem, Forbidden | ValidationProblem):
                return problem
            return ValidationProblem(code=problem.code, message=problem.message, fields=[])
        return ClaimantRecorded(id=strawberry.ID(data["id"]))

    @strawberry.mutation(
        description="Record a claimant's consent.", permission_classes=[SignedIn, SocialWorker]
    )
    async def record_consent(self, info: Info, consent: ConsentInput) -> ConsentChange:
        body = _drop_none(
            {
                "claimant_id": str(consent.claimant_id),
                "purpose": consent.purpose,
                "any_partner": consent.any_partner,
                "receiving_organization_ids": [str(o) for o in consent.receiving_organization_ids]
                if consent.receiving_organization_ids
                else None,
                "data_categories": consent.data_categories,
                "method": consent.method,
                "expires_at": consent.expires_at,
            }
        )
        return await _consent_change(info, "/consents", body)

    @strawberry.mutation(
        description="Withdraw a consent: the open referrals it covered are cancelled at once.",
        permission_classes=[SignedIn, SocialWorker],
    )
    async def withdraw_consent(self, info: Info, id: strawberry.ID) -> ConsentChange:
        return await _consent_change(info, f"/consents/{segment(id)}/withdraw", None)

    @strawberry.mutation(
        description="Create a referral, optionally sent at once; the same idempotency key "
        "never makes two.",
        permission_classes=[SignedIn, SocialWorker],
    )
    async def create_referral(
        self, info: Info, referral: ReferralInput, idempotency_key: str | None = None
    ) -> ReferralChange:
        if idempotency_key and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
            return invalid("idempotencyKey", "1 to 200 visible ASCII characters, no spaces")
        body = _drop_none(
            {
                "claimant_id": str(referral.claimant_id),
                "service_id": str(referral.service_id),
                "purpose": referral.purpose,
                "urgency": referral.urgency,
                "share": referral.share,
                "needs_summary": referral.needs_summary,
                "vulnerability_flags": referral.vulnerability_flags,
                "candidates": [str(c) for c in referral.candidates]
                if referral.candidates
                else None,
                "recipient_worker": referral.recipient_worker,
                "send": referral.send,
            }
        )
        return await _referral_change(info, "/referrals", body, key=idempotency_key)

    send_referral = _step("send", "Send a draft (needs a covering consent).", SocialWorker)
    cancel_referral = _step("cancel", "Cancel an open referral you sent.", SocialWorker)
    acknowledge_referral = _step("acknowledge", "Say you have received it.", PartnerStaff)
    start_referral = _step("start", "Start work on an accepted referral.", PartnerStaff)
    resume_referral = _step("resume", "Resume a referral on hold.", PartnerStaff)
    mark_referral_entered_in_error = _step(
        "enter-in-error", "Mark a referral entered in error (audited).", NetworkAdmin
    )

    @strawberry.mutation(
        description="Accept a referral and assign the worker who will see the claimant.",
        permission_classes=[SignedIn, PartnerStaff],
    )
    async def accept_referral(
        self, info: Info, id: strawberry.ID, assignee: str, version: int | None = None
    ) -> ReferralChange:
        return await _referral_change(
            info,
            f"/referrals/{segment(id)}/actions/accept",
            {"assignee": assignee},
            version=version,
        )

    @strawberry.mutation(
        description="Decline a referral with a coded reason.",
        permission_classes=[SignedIn, PartnerStaff],
    )
    async def reject_referral(
        self,
        info: Info,
        id: strawberry.ID,
        reason: RejectReason,
        text: str | None = None,
        version: int | None = None,
    ) -> ReferralChange:
        body = _drop_none({"reason": reason.value, "text": text})
        return await _referral_change(
            info, f"/referrals/{segment(id)}/actions/reject", body, version=version
        )

    @strawberry.mutation(
        description="Put a referral on hold.", permission_classes=[SignedIn, PartnerStaff]
    )
    async def hold_referral(
        self, info: Info, id: strawberry.ID, reason: HoldReason, version: int | None = None
    ) -> ReferralChange:
        return await _referral_change(
            info,
            f"/referrals/{segment(id)}/actions/hold",
            {"hold_reason": reason.value},
            version=version,
        )

    complete_referral = _closing("complete", "Close a referral as completed, with its outcome.")
    fail_referral = _closing("fail", "Close a referral as failed, with its outcome.")

    @strawberry.mutation(
        description="Pass the claimant on to another partner's service (consent re-checked).",
        permission_classes=[SignedIn, PartnerStaff],
    )
    async def forward_referral(
        self, info: Info, id: strawberry.ID, service_id: strawberry.ID, version: int | None = None
    ) -> ReferralChange:
        return await _referral_change(
            info,
            f"/referrals/{segment(id)}/forward",
            {"service_id": str(service_id)},
            version=version,
        )

    @strawberry.mutation(
        description="Refer again after a decline or expiry: to a service, or the next candidate.",
        permission_classes=[SignedIn, SocialWorker],
    )
    async def reroute_referral(
        self, info: Info, id: strawberry.ID, service_id: strawberry.ID | None = None
    ) -> ReferralChange:
        body = _drop_none({"service_id": str(service_id) if service_id else None})
        return await _referral_change(info, f"/referrals/{segment(id)}/reroute", body)

    @strawberry.mutation(description="Add a message to a referral.", permission_classes=[SignedIn])
    async def add_referral_note(self, info: Info, id: strawberry.ID, body: str) -> NoteChange:
        try:
            data = await _write(info, f"/referrals/{segment(id)}/notes", {"body": body})
        except DownstreamError as exc:
            problem = typed(exc, hide_existence=True)
            if isinstance(problem, Forbidden | ValidationProblem):
                return problem
            return Forbidden(code=problem.code, message=problem.message)
        principal = info.context.principal
        return Note(
            id=strawberry.ID(data["id"]),
            author=principal.sub if principal else None,
            author_organization_id=principal.org_id if principal else None,
            body=body,
            created_at=data.get("created_at"),
        )


async def _consent_change(info: Info, path: str, body: Any) -> ConsentChange:
    try:
        return Consent.of(await _write(info, path, body))
    except DownstreamError as exc:
        problem = typed(exc)
        if isinstance(problem, NotFound | Forbidden | ValidationProblem):
            return problem
        return ValidationProblem(code=problem.code, message=problem.message, fields=[])
