"""Notifications for everyone signed in: the organisation's inbox, profile and preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from harbour_gateway.context import Info
from harbour_gateway.downstream import DownstreamError, segment
from harbour_gateway.permissions import SignedIn
from harbour_gateway.problems import NotFound, ValidationProblem, outage, typed


@strawberry.type(description="An in-app notification; it names a referral, never a claimant.")
class Notification:
    id: strawberry.ID
    kind: str
    title: str
    reference: str
    link: str
    created_at: datetime
    read_at: datetime | None
    seen_at: datetime | None
    archived_at: datetime | None

    @staticmethod
    def of(item: dict[str, Any]) -> Notification:
        """An inbox item from the notifications service."""
        return Notification(
            id=strawberry.ID(item["id"]),
            kind=item["kind"],
            title=item["title"],
            reference=item["reference"],
            link=item["link"],
            created_at=datetime.fromisoformat(item["created_at"]),
            read_at=_when(item.get("read_at")),
            seen_at=_when(item.get("seen_at")),
            archived_at=_when(item.get("archived_at")),
        )


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@strawberry.type(description="How I am reached, and when not.")
class Profile:
    locale: str
    email: str | None
    phone: str | None
    quiet_start: str | None
    quiet_end: str | None
    digest_minutes: int | None


@strawberry.type(description="One choice: a notification type on a channel.")
class Preference:
    kind: str
    channel: str
    enabled: bool
    mandatory: bool


@strawberry.input(description="How I am reached; fields left out stay as they are.")
class ProfileInput:
    locale: str | None = None
    email: str | None = None
    phone: str | None = strawberry.field(default=None, description="E.164, e.g. +85291234567")
    quiet_start: str | None = strawberry.field(default=None, description="HH:MM, Hong Kong time")
    quiet_end: str | None = None
    digest_minutes: int | None = strawberry.field(
        default=None, description="New referrals as one e-mail every N minutes"
    )


@strawberry.input(description="Turn a notification type on a channel on or off.")
class PreferenceInput:
    kind: str
    channel: str = strawberry.field(description="inbox, email or sms")
    enabled: bool


NotificationChange = Annotated[Notification | NotFound, strawberry.union("NotificationChange")]
ProfileChange = Annotated[Profile | ValidationProblem, strawberry.union("ProfileChange")]


@strawberry.type(description="My preferences after a change.")
class Preferences:
    items: list[Preference]


PreferencesResult = Annotated[
    Preferences | ValidationProblem, strawberry.union("PreferencesResult")
]


async def _call(info: Info, method: str, path: str, **kwargs: Any) -> Any:
    return await info.context.downstream.request(
        method, "notifications", path, token=info.context.token, **kwargs
    )


async def _read(info: Info, path: str, params: dict[str, str] | None = None) -> Any:
    try:
        return await _call(info, "GET", path, params=params)
    except DownstreamError as exc:
        raise outage(exc) from exc


def _preferences(data: dict[str, Any]) -> list[Preference]:
    mandatory = {(m["kind"], m["channel"]) for m in data["mandatory"]}
    chosen = {(p["kind"], p["channel"]): p["enabled"] for p in data["items"]}
    defaults = {"inbox": True, "email": True, "sms": False}
    return [
        Preference(
            kind=kind,
            channel=channel,
            enabled=chosen.get((kind, channel), defaults[channel] or (kind, channel) in mandatory),
            mandatory=(kind, channel) in mandatory,
        )
        for kind in data["kinds"]
        for channel in ("inbox", "email", "sms")
    ]


def _profile(data: dict[str, Any]) -> Profile:
    return Profile(
        locale=data["locale"],
        email=data.get("email"),
        phone=data.get("phone"),
        quiet_start=data.get("quiet_start"),
        quiet_end=data.get("quiet_end"),
        digest_minutes=data.get("digest_minutes"),
    )


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        description="My organisation's notifications, newest first.", permission_classes=[SignedIn]
    )
    async def notifications(
        self, info: Info, first: int = 20, unread_only: bool = False, include_archived: bool = False
    ) -> list[Notification]:
        params = {
            "limit": str(max(1, min(first, 200))),
            "unread_only": str(unread_only).lower(),
            "include_archived": str(include_archived).lower(),
        }
        data = await _read(info, "/inbox", params)
        return [Notification.of(i) for i in data["items"]]

    @strawberry.field(
        description="How many notifications are unread.", permission_classes=[SignedIn]
    )
    async def unread_count(self, info: Info) -> int:
        data = await _read(info, "/inbox", {"limit": "1"})
        return int(data["unread_count"])

    @strawberry.field(description="How I am reached.", permission_classes=[SignedIn])
    async def my_profile(self, info: Info) -> Profile:
        return _profile(await _read(info, "/me"))

    @strawberry.field(
        description="What I hear about, on which channel (SMS is off unless chosen).",
        permission_classes=[SignedIn],
    )
    async def my_preferences(self, info: Info) -> list[Preference]:
        return _preferences(await _read(info, "/me/preferences"))


async def _mark(info: Info, item_id: str, what: str) -> NotificationChange:
    try:
        return Notification.of(await _call(info, "POST", f"/inbox/{segment(item_id)}/{what}"))
    except DownstreamError as exc:
        problem = typed(exc)
        return (
            problem
            if isinstance(problem, NotFound)
            else NotFound(code=problem.code, message=problem.message)
        )


@strawberry.type
class NotificationsMutation:
    @strawberry.mutation(description="Mark one notification read.", permission_classes=[SignedIn])
    async def mark_notification_read(self, info: Info, id: strawberry.ID) -> NotificationChange:
        return await _mark(info, str(id), "read")

    @strawberry.mutation(description="Mark one notification seen.", permission_classes=[SignedIn])
    async def mark_notification_seen(self, info: Info, id: strawberry.ID) -> NotificationChange:
        return await _mark(info, str(id), "seen")

    @strawberry.mutation(description="Archive one notification.", permission_classes=[SignedIn])
    async def archive_notification(self, info: Info, id: strawberry.ID) -> NotificationChange:
        return await _mark(info, str(id), "archive")

    @strawberry.mutation(
        description="Mark all my notifications read; returns how many changed.",
        permission_classes=[SignedIn],
    )
    async def mark_all_notifications_read(self, info: Info) -> int:
        try:
            data = await _call(info, "POST", "/inbox/read-all")
        except DownstreamError as exc:
            raise outage(exc) from exc
        return int(next(iter(data.values()), 0))

    @strawberry.mutation(description="Set how I am reached.", permission_classes=[SignedIn])
    async def update_my_profile(self, info: Info, profile: ProfileInput) -> ProfileChange:
        body = {k: v for k, v in vars(profile).items() if v is not None}
        try:
            return _profile(await _call(info, "PUT", "/me", body=body))
        except DownstreamError as exc:
            problem = typed(exc)
            if isinstance(problem, ValidationProblem):
                return problem
            raise outage(exc) from exc

    @strawberry.mutation(
        description="Change what I hear about; mandatory ones cannot be turned off.",
        permission_classes=[SignedIn],
    )
    async def update_my_preferences(
        self, info: Info, preferences: list[PreferenceInput]
    ) -> PreferencesResult:
        body = [vars(p) for p in preferences]
        try:
            data = await _call(info, "PUT", "/me/preferences", body=body)
        except DownstreamError as exc:
            problem = typed(exc)
            if isinstance(problem, ValidationProblem):
                return problem
            raise outage(exc) from exc
        return Preferences(items=_preferences(data))
