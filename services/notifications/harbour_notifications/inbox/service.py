"""Rules of the inbox: what each item says in whose language, and who may change which item."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

import jwt
from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.contracts import InboxChanged, InboxChangedV2, InboxChangedV3
from harbour_kit.contracts.vocabulary import InboxKind, NotificationKind
from harbour_kit.db import execute
from harbour_kit.errors import Forbidden, NotFound
from harbour_kit.events.envelope import Envelope, EventContract, nats_subject
from harbour_kit.events.outbox import Outbox
from harbour_notifications import templates
from harbour_notifications.inbox import repository
from harbour_notifications.models import InboxItem
from harbour_notifications.profile import repository as profiles

MARKS = {"read": "read_at", "seen": "seen_at", "archive": "archived_at"}
WORDING = frozenset(templates.Wording.__annotations__)
# inbox.changed.v1 can carry only the kinds it was published with; v2 carries every kind.
V1_KINDS = frozenset(get_args(NotificationKind))
# v2 carries the kinds it was published with; v3 every kind (reports on listings too).
V2_KINDS = frozenset(code for part in get_args(InboxKind) for code in get_args(part))


@dataclass(frozen=True)
class Post:
    """One inbox item to make: for an organisation's holders of `role`, about one event.

    `facts` are the public facts the title is worded from, JSON-ready (`due_at` in ISO 8601).
    """

    event_id: str
    organization_id: str
    role: str
    kind: str
    reference: str
    link: str
    facts: Mapping[str, Any]


async def post(
    *,
    session: AsyncSession,
    outbox: Outbox,
    event_id: str,
    organization_id: str,
    role: str,
    kind: str,
    reference: str,
    link: str,
    facts: Mapping[str, Any],
) -> None:
    """An item for an organisation's holders of `role`, once per event, announced to listeners."""
    one = Post(event_id, organization_id, role, kind, reference, link, facts)
    await post_many(session=session, outbox=outbox, posts=[one])


async def post_many(*, session: AsyncSession, outbox: Outbox, posts: list[Post]) -> None:
    """Items for many posts in one statement, each announced to listeners (`inbox.changed`).

    The consumer's event inbox runs a handler once per event, and the item's unique key holds
    its event id, so no item is looked up first; a post repeated within `posts` is made once.
    """
    now = datetime.now(UTC)
    items: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    titles: dict[tuple[str, str, str], str] = {}
    changes: list[tuple[EventContract, str]] = []
    for one in posts:
        key = (one.event_id, one.organization_id, one.role, one.kind)
        if key in items:
            continue
        kept = {
            name: value
            for name, value in one.facts.items()
            if name in WORDING and value not in ("", None)
        }
        # Both roles of one notice get the same English title: word it once.
        wording = (one.kind, one.reference, repr(sorted(kept.items())))
        if wording not in titles:
            titles[wording] = _title(
                kind=one.kind, reference=one.reference, facts=kept, locale=templates.DEFAULT_LOCALE
            )
        item_id = str(uuid.uuid4())
        items[key] = {
            "id": item_id,
            "organization_id": one.organization_id,
            "audience_role": one.role,
            "kind": one.kind,
            "title": titles[wording],
            "reference": one.reference,
            "facts": kept,
            "link": one.link,
            "event_id": one.event_id,
            "created_at": now,
            "read_at": None,
            "seen_at": None,
            "archived_at": None,
        }
        change = {
            "organization_id": one.organization_id,
            "item_id": item_id,
            "kind": one.kind,
            "audience_role": one.role,
            "occurred_at": now,
        }
        if one.kind in V1_KINDS:
            changes.append((InboxChanged.model_validate(change), one.organization_id))
        if one.kind in V2_KINDS:
            changes.append((InboxChangedV2.model_validate(change), one.organization_id))
        changes.append((InboxChangedV3.model_validate(change), one.organization_id))
    if not items:
        return
    await execute(session, insert(InboxItem.__table__), list(items.values()))  # type: ignore[attr-defined]
    await _announce(session=session, outbox=outbox, changes=changes)


async def _announce(
    *, session: AsyncSession, outbox: Outbox, changes: list[tuple[EventContract, str]]
) -> None:
    """Records many events in the outbox in one statement, each checked as `Outbox.add` does."""
    rows = []
    for contract, subject in changes:
        envelope = Envelope.wrap(contract, source=outbox.source, subject=subject)
        outbox.contracts.validated(envelope)
        rows.append(
            {
                "event_id": envelope.id,
                "event_type": envelope.type,
                "nats_subject": nats_subject(envelope.type, outbox.namespace),
                "source": envelope.source,
                "subject": envelope.subject,
                "occurred_at": envelope.time,
                "data": envelope.data,
                "traceparent": envelope.traceparent,
                "attempts": 0,
            }
        )
    await execute(session, insert(outbox.tables.outbox), rows)


def title_in(item: InboxItem, *, locale: str) -> str:
    """An item's title in a locale, worded from its facts (items without them keep theirs)."""
    if item.facts is None:
        return item.title
    return _title(kind=item.kind, reference=item.reference, facts=item.facts, locale=locale)


def _title(*, kind: str, reference: str, facts: Mapping[str, Any], locale: str) -> str:
    """The title of a notice worded from its stored facts."""
    wording = templates.stored_wording(facts)
    return templates.render_title(kind, locale=locale, reference=reference, **wording)


async def reader_locale(*, session: AsyncSession, principal: Principal) -> str:
    """The reader's locale: their token's `locale` claim, else their profile's, else English."""
    wanted = _claimed_locale(principal)
    if wanted is None:
        person = await profiles.get_recipient(session=session, sub=principal.sub)
        wanted = person.locale if person else None
    return templates.locale_for(wanted)


def _claimed_locale(principal: Principal) -> str | None:
    """The `locale` claim of the caller's (already verified) token, if it has one."""
    if not principal.token:
        return None
    # `Principal.locale` says "en" for a token without the claim, so the token itself is asked.
    claims = jwt.decode(principal.token, options={"verify_signature": False})
    locale = claims.get("locale")
    return locale if isinstance(locale, str) and locale else None


async def mark(
    *, session: AsyncSession, principal: Principal, item_id: str, what: str = "read"
) -> InboxItem:
    """Marks an item of the principal's own organisation and role read, seen or archived (once).

    Reading implies seeing; archiving implies both.
    """
    item = await repository.get_item(session=session, item_id=item_id)
    if item is None:
        raise NotFound("No such inbox item.")
    if item.organization_id != principal.org_id or not principal.has_role(item.audience_role):
        raise Forbidden("This item belongs to someone else.", code="wrong-organisation")
    now = datetime.now(UTC)
    implied = {"seen": ["seen"], "read": ["seen", "read"], "archive": ["seen", "read", "archive"]}
    for step in implied[what]:
        column = MARKS[step]
        if getattr(item, column) is None:
            setattr(item, column, now)
    session.add(item)
    return item


async def mark_all_read(*, session: AsyncSession, principal: Principal) -> int:
    """Marks every unread item the principal can see as read; returns how many."""
    if principal.org_id is None:
        return 0
    items = await repository.unread_items(
        session=session, organization_id=principal.org_id, roles=principal.roles
    )
    now = datetime.now(UTC)
    for item in items:
        item.read_at, item.seen_at = now, item.seen_at or now
        session.add(item)
    return len(items)
