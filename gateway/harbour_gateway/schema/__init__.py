"""The GraphQL schema (code-first): public search, referrals, notifications, live updates."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from harbour_gateway.schema.directory import DirectoryMutation, DirectoryQuery
from harbour_gateway.schema.live import Subscription
from harbour_gateway.schema.notifications import NotificationsMutation, NotificationsQuery
from harbour_gateway.schema.referrals import ReferralsMutation, ReferralsQuery

MAX_DEPTH, MAX_ALIASES, MAX_TOKENS = 10, 15, 2000


@strawberry.type
class Query(DirectoryQuery, ReferralsQuery, NotificationsQuery):
    pass


@strawberry.type
class Mutation(DirectoryMutation, ReferralsMutation, NotificationsMutation):
    pass


def _unexpected(error: GraphQLError) -> bool:
    """Masks errors Harbour did not raise on purpose; its own GraphQL errors pass through."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    # Factories: a fresh extension per request; the parse and validation caches are shared.
    extensions=[
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaskErrors(
            should_mask_error=_unexpected, error_message="Something went wrong on our side."
        ),
    ],
)
