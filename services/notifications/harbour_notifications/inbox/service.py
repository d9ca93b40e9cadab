"""Rules of the inbox: what each item says in whose language, and who may change which item."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, get_args

import jwt
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.contracts import InboxChanged, InboxChangedV2, InboxChangedV3
from harbour_kit.contracts.vocabulary import InboxKind, NotificationKind
from harbour_kit.errors import Forbidden, NotFound
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
    """An item for an organisation's holders of `role`, once per event, announced to listeners.

    `facts` are the public facts the title is worded from, JSON-ready (`due_at` in ISO 8601).
    """
    if await repository.item_exists(
        session=session, event_id=event_id, organization_id=organization_id, role=role, kind=kind
    ):
        return
    kept = {
        name: value for name, value in facts.items() if name in WORDING and value not in ("", None)
    }
    item = InboxItem(
        id=str(uuid.uuid4()),
        organization_id=organization_id,
        audience_role=role,
        kind=kind,
        title=_title(kind=kind, reference=reference, facts=kept, locale=templates.DEFAULT_LOCALE),
        reference=reference,
        link=link,
        event_id=event_id,
        facts=kept,
    )
    session.add(item)
    change = {
        "organization_id": organization_id,
        "item_id": item.id,
        "kind": kind,
        "audience_role": role,
        "occurred_at": datetime.now(UTC),
    }
    if kind in V1_KINDS:
        await outbox.add(session, InboxChanged.model_validate(change), subject=organization_id)
    if kind in V2_KINDS:
        await outbox.add(session, InboxChangedV2.model_validate(change), subject=organization_id)
    await outbox.add(session, InboxChangedV3.model_validate(change), subject=organization_id)


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
