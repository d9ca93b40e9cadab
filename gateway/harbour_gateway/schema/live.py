"""Subscriptions over graphql-transport-ws, fed from NATS and authorised per subscriber."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError

from harbour_gateway.context import Info
from harbour_gateway.downstream import DownstreamError, segment
from harbour_gateway.live import INBOX_CHANGED, REFERRAL_CHANGED, Listener
from harbour_gateway.permissions import PartnerStaff, SignedIn
from harbour_gateway.problems import outage
from harbour_gateway.schema.notifications import Notification
from harbour_gateway.schema.referrals import Referral


@strawberry.type(description="A referral sent to my organisation changed.")
class InboxChange:
    referral_id: strawberry.ID
    reference: str
    action: str
    status: str
    business_status: str | None
    version: int
    occurred_at: datetime

    @strawberry.field(description="The referral as it is now")
    async def referral(self, info: Info) -> Referral | None:
        return await _referral(info, str(self.referral_id))


async def _referral(info: Info, referral_id: str) -> Referral | None:
    try:
        record = await info.context.downstream.get(
            "referrals", f"/referrals/{segment(referral_id)}", token=info.context.token
        )
    except DownstreamError as exc:
        if exc.status >= 500:
            raise outage(exc) from exc
        return None
    return Referral.of(record)


async def _next(info: Info, listener: Listener) -> tuple[str, dict[str, Any]]:
    """The next matching event; ends the subscription when the subscriber's token expires."""
    expires = info.context.token_expires_at
    timeout = None if expires is None else expires - time.time()
    if timeout is not None and timeout <= 0:
        raise _expired()
    try:
        return await asyncio.wait_for(listener.queue.get(), timeout)
    except TimeoutError:
        raise _expired() from None


def _expired() -> GraphQLError:
    return GraphQLError(
        "Your sign-in has expired; sign in again to keep receiving updates.",
        extensions={"code": "TOKEN_EXPIRED"},
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every change of one referral, as you may see it.",
        permission_classes=[SignedIn],
    )
    async def referral_updated(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Referral]:
        referral_id = str(id)
        with info.context.live.listen(
            lambda kind, data: kind == REFERRAL_CHANGED and data.get("referral_id") == referral_id
        ) as listener:
            if await _referral(info, referral_id) is None:
                raise GraphQLError(
                    "It does not exist, or it is not open to your organisation.",
                    extensions={"code": "FORBIDDEN"},
                )
            while True:
                await _next(info, listener)
                current = await _referral(info, referral_id)
                if current is None:
                    return  # no longer open to this subscriber
                yield current

    @strawberry.subscription(
        description="Referrals sent to my organisation: new ones and every change.",
        permission_classes=[SignedIn, PartnerStaff],
    )
    async def inbox_changed(self, info: Info) -> AsyncGenerator[InboxChange]:
        principal = info.context.principal
        assert principal is not None
        org = principal.org_id
        with info.context.live.listen(
            lambda kind, data: (
                kind == REFERRAL_CHANGED
                and data.get("recipient_organization_id") == org
                and data.get("status") != "draft"
            )
        ) as listener:
            while True:
                _, data = await _next(info, listener)
                yield InboxChange(
                    referral_id=strawberry.ID(data["referral_id"]),
                    reference=data["reference"],
                    action=data["action"],
                    status=data["status"],
                    business_status=data.get("business_status"),
                    version=data["version"],
                    occurred_at=datetime.fromisoformat(data["occurred_at"]),
                )

    @strawberry.subscription(
        description="New notifications for my organisation.", permission_classes=[SignedIn]
    )
    async def notification_received(self, info: Info) -> AsyncGenerator[Notification]:
        principal = info.context.principal
        assert principal is not None
        with info.context.live.listen(
            lambda kind, data: (
                kind == INBOX_CHANGED
                and data.get("organization_id") == principal.org_id
                and principal.has_role(str(data.get("audience_role")))
            )
        ) as listener:
            while True:
                _, data = await _next(info, listener)
                try:
                    page = await info.context.downstream.get(
                        "notifications", "/inbox", token=info.context.token, params={"limit": "50"}
                    )
                except DownstreamError as exc:
                    raise outage(exc) from exc
                for item in page["items"]:
                    if item["id"] == data["item_id"]:
                        yield Notification.of(item)
