"""The GraphQL schema (code-first)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import Info

from harbour_gateway.downstream import Downstream, DownstreamError
from harbour_kit.auth import Principal


@strawberry.type(description="A partner service listed in the directory.")
class DirectoryService:
    id: strawberry.ID
    organization_id: strawberry.ID
    name: str
    description: str
    status: str
    accepting_referrals: bool


@strawberry.type(description="A service as the referrals service knows it (kept from events).")
class ReferralTarget:
    service_id: strawberry.ID
    organization_id: strawberry.ID
    name: str
    accepting_referrals: bool
    version: int


@strawberry.type(description="An in-app notification; it never names a claimant.")
class InboxItem:
    id: strawberry.ID
    kind: str
    title: str
    reference: str
    link: str
    created_at: datetime
    read_at: datetime | None


@strawberry.type(description="The signed-in member's organisation inbox.")
class Inbox:
    unread_count: int
    items: list[InboxItem]


def _downstream(info: Info) -> Downstream:
    downstream: Downstream = info.context["downstream"]
    return downstream


def _principal(info: Info) -> Principal:
    principal: Principal | None = info.context["principal"]
    if principal is None:
        raise GraphQLError(
            "Sign in: this needs a bearer token.", extensions={"code": "UNAUTHENTICATED"}
        )
    return principal


async def _call(
    info: Info,
    service: str,
    path: str,
    *,
    token: str | None = None,
    params: dict[str, str] | None = None,
) -> Any:
    try:
        return await _downstream(info).get(service, path, token=token, params=params)
    except DownstreamError as exc:
        raise GraphQLError(
            exc.detail,
            extensions={"code": exc.code.upper().replace("-", "_"), "service": exc.service},
        ) from exc


def _pick(cls: Any, data: dict[str, Any]) -> Any:
    fields = {f.python_name for f in cls.__strawberry_definition__.fields}
    return cls(**{k: v for k, v in data.items() if k in fields})


@strawberry.type
class Query:
    @strawberry.field(description="Services in the directory (public).")
    async def services(self, info: Info, first: int = 20) -> list[DirectoryService]:
        page = await _call(
            info, "directory", "/services", params={"per_page": str(max(1, min(first, 200)))}
        )
        return [
            DirectoryService(
                id=strawberry.ID(s["id"]),
                organization_id=strawberry.ID(s.get("organization_id") or ""),
                name=s["name"],
                description=s.get("description") or "",
                status=s["status"],
                accepting_referrals=(s.get("intake") or {}).get("accepting_referrals") is not False,
            )
            for s in page["contents"]
        ]

    @strawberry.field(description="Services a referral can be sent to (signed in).")
    async def referral_targets(
        self, info: Info, accepting_only: bool = False
    ) -> list[ReferralTarget]:
        principal = _principal(info)
        data = await _call(
            info,
            "referrals",
            "/targets",
            token=principal.token,
            params={"accepting_only": str(accepting_only).lower()},
        )
        return [_pick(ReferralTarget, t) for t in data["items"]]

    @strawberry.field(description="My organisation's inbox (signed in).")
    async def inbox(self, info: Info, limit: int = 20) -> Inbox:
        principal = _principal(info)
        data = await _call(
            info,
            "notifications",
            "/inbox",
            token=principal.token,
            params={"limit": str(max(1, min(limit, 200)))},
        )
        return Inbox(
            unread_count=data["unread_count"], items=[_pick(InboxItem, i) for i in data["items"]]
        )


schema = strawberry.Schema(
    query=Query,
    # Factories: a fresh extension per request; the parse and validation caches are shared.
    extensions=[
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: QueryDepthLimiter(max_depth=10),
        lambda: MaxAliasesLimiter(max_alias_count=15),
        lambda: MaxTokensLimiter(max_token_count=2000),
    ],
)
