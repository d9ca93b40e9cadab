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
from harbour_gateway.live import E, Listener
from harbour_gateway.permissions import PartnerStaff, SignedIn
from harbour_gateway.problems import outage
from harbour_gateway.schema.notifications import Notification
from harbour_gateway.schema.referrals import Referral, referrals
from harbour_kit.contracts import InboxChangedV3, ReferralTransitioned
from harbour_kit.contracts.vocabulary import Status


def _described(name: str) -> str | None:
    """The description the transition contract gives its field `name`."""
    return ReferralTransitioned.model_fields[name].description


@strawberry.type(description="A referral sent to my organisation changed.")
class InboxChange:
    referral_id: strawberry.ID
    reference: str = strawberry.field(description=_described("reference"))
    action: str = strawberry.field(description=_described("action"))
    status: str = strawberry.field(description=_described("status"))
    business_status: str | None = strawberry.field(description=_described("business_status"))
    version: int
    occurred_at: datetime

    @staticmethod
    def of(event: ReferralTransitioned) -> InboxChange:
        """The change a transition event describes."""
        return InboxChange(
            referral_id=strawberry.ID(event.referral_id),
            reference=event.reference,
            action=str(event.action),
            status=str(event.status),
            business_status=None if event.business_status is None else str(event.business_status),
            version=event.version,
            occurred_at=event.occurred_at,
        )

    @strawberry.field(description="The referral as it is now")
    async def referral(self, info: Info) -> Referral | None:
        record = await _referral(info, str(self.referral_id))
        return None if record is None else (await referrals(info, [record]))[0]


async def _referral(info: Info, referral_id: str) -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = await info.context.downstream.get(
            "referrals", f"/referrals/{segment(referral_id)}", token=info.context.token
        )
    except DownstreamError as exc:
        if exc.status >= 500:
            raise outage(exc) from exc
        return None
    return record


async def _next(info: Info, listener: Listener[E]) -> E:
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
            ReferralTransitioned, lambda event: event.referral_id == referral_id
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
                yield (await referrals(info, [current]))[0]

    @strawberry.subscription(
        description="Referrals sent to my organisation: new ones and every change.",
        permission_classes=[SignedIn, PartnerStaff],
    )
    async def inbox_changed(self, info: Info) -> AsyncGenerator[InboxChange]:
        principal = info.context.principal
        assert principal is not None
        org = principal.org_id
        with info.context.live.listen(
            ReferralTransitioned,
            lambda event: (
                event.recipient_organization_id == org and event.status is not Status.DRAFT
            ),
        ) as listener:
            while True:
                yield InboxChange.of(await _next(info, listener))

    @strawberry.subscription(
        description="New notifications for my organisation.", permission_classes=[SignedIn]
    )
    async def notification_received(self, info: Info) -> AsyncGenerator[Notification]:
        principal = info.context.principal
        assert principal is not None
        with info.context.live.listen(
            InboxChangedV3,
            lambda event: (
                event.organization_id == principal.org_id
                and principal.has_role(event.audience_role)
            ),
        ) as listener:
            while True:
                event = await _next(info, listener)
                try:
                    page = await info.context.downstream.get(
                        "notifications", "/inbox", token=info.context.token, params={"limit": "50"}
                    )
                except DownstreamError as exc:
                    raise outage(exc) from exc
                for item in page["items"]:
                    if item["id"] == event.item_id:
                        yield Notification.of(item)
