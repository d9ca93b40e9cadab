"""Rules of a recipient's profile: it follows their token, and some choices cannot be made."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.errors import ValidationFailed
from harbour_notifications import templates
from harbour_notifications.models import Preference, Recipient
from harbour_notifications.profile import repository
from harbour_notifications.profile.schemas import PreferenceChange

# Types a recipient cannot switch off, by channel.
MANDATORY = frozenset({("referral.received", "inbox")})


async def me(*, session: AsyncSession, principal: Principal) -> Recipient:
    """The caller's profile (made on first use), with organisation and roles from their token."""
    person = await repository.get_recipient(session=session, sub=principal.sub)
    if person is None:
        person = Recipient(sub=principal.sub, locale=principal.locale or "en")
    person.organization_id = principal.org_id
    person.roles = sorted(principal.roles)
    session.add(person)
    return person


async def update(
    *, session: AsyncSession, principal: Principal, changes: dict[str, Any]
) -> Recipient:
    """Sets the given fields of the caller's profile."""
    person = await me(session=session, principal=principal)
    for name, value in changes.items():
        setattr(person, name, value)
    person.updated_at = datetime.now(UTC)
    return person


def check(choices: Sequence[PreferenceChange]) -> None:
    """Refuses unknown types and switching off what cannot be (422 naming each item)."""
    errors = []
    for index, item in enumerate(choices):
        if item.kind not in templates.TYPES:
            errors.append({"field": f"[{index}].kind", "message": f"unknown type {item.kind!r}"})
        elif (item.kind, item.channel) in MANDATORY and not item.enabled:
            errors.append(
                {"field": f"[{index}].enabled", "message": "this notification cannot be turned off"}
            )
    if errors:
        raise ValidationFailed("Some preferences cannot be set.", errors=errors)


async def choose(
    *, session: AsyncSession, principal: Principal, choices: Sequence[PreferenceChange]
) -> None:
    """Records the caller's choices, once they pass `check`."""
    check(choices)
    for item in choices:
        row = await repository.get_preference(
            session=session, sub=principal.sub, kind=item.kind, channel=item.channel
        )
        row = row or Preference(
            sub=principal.sub, kind=item.kind, channel=item.channel, enabled=item.enabled
        )
        row.enabled = item.enabled
        session.add(row)
