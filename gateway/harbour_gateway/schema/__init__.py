"""The GraphQL schema (code-first): public search, referrals, notifications, live updates."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import strawberry
import structlog
from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField

from harbour_gateway.schema.corrections import CorrectionsMutation, CorrectionsQuery
from harbour_gateway.schema.directory import DirectoryMutation, DirectoryQuery
from harbour_gateway.schema.live import Subscription
from harbour_gateway.schema.notifications import NotificationsMutation, NotificationsQuery
from harbour_gateway.schema.referrals import ReferralsMutation, ReferralsQuery
from harbour_gateway.schema.verification import VerificationMutation, VerificationQuery
from harbour_gateway.schema.webhooks import WebhooksMutation, WebhooksQuery

MAX_DEPTH, MAX_ALIASES, MAX_TOKENS = 10, 15, 2000
CACHED_DOCUMENTS = 512

# The limiters' rules, built once: each QueryDepthLimiter or MaxAliasesLimiter makes a new rule
# class, and a fresh one per request made every request's rules differ, so validation results
# could never be reused.
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


@strawberry.type
class Query(
    DirectoryQuery,
    ReferralsQuery,
    NotificationsQuery,
    WebhooksQuery,
    VerificationQuery,
    CorrectionsQuery,
):
    pass


@strawberry.type
class Mutation(
    DirectoryMutation,
    ReferralsMutation,
    NotificationsMutation,
    WebhooksMutation,
    VerificationMutation,
    CorrectionsMutation,
):
    pass


class ValidationByText(SchemaExtension):
    """Validates each distinct query text once (the rules are the same for every request)."""

    # Keyed by the text, not by the parsed document as Strawberry's ValidationCache is: graphql-core
    # hashes a document node by node on every lookup, which cost more than the rest of the lookup.
    # The text determines the document (ParserCache parses it with the same options each time).
    _errors: ClassVar[OrderedDict[str, list[GraphQLError]]] = OrderedDict()

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        text, document = context.query, context.graphql_document
        if text is None or document is None:
            yield  # nothing to key on: Strawberry validates as usual
            return
        errors = self._errors.get(text)
        if errors is None:
            errors = validate_document(context.schema._schema, document, context.validation_rules)
            self._errors[text] = errors
            if len(self._errors) > CACHED_DOCUMENTS:
                self._errors.popitem(last=False)
        else:
            self._errors.move_to_end(text)
        context.pre_execution_errors = errors
        yield


def _unexpected(error: GraphQLError) -> bool:
    """Masks errors Harbour did not raise on purpose; its own GraphQL errors pass through."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


log = structlog.get_logger("harbour.gateway.graphql")


def error_code(error: GraphQLError) -> str:
    """A GraphQL error as a code: never its message, which may quote the query or a variable."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        return "INTERNAL_SERVER_ERROR"
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"


class HarbourSchema(strawberry.Schema):
    """The schema, logging each error as operation name, code and path only."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Logs errors without query text, literals or variable values."""
        operation = execution_context.operation_name if execution_context else None
        for error in errors:
            code = error_code(error)
            fields = {
                "operation": (operation or "")[:100] or None,
                "code": code,
                "path": [str(p) for p in error.path or []] or None,
            }
            if code == "INTERNAL_SERVER_ERROR":
                log.error("graphql_error", exc_info=error.original_error, **fields)
            else:
                log.info("graphql_error", **fields)


def _attribute(name: str) -> Callable[[Any, GraphQLResolveInfo], Any]:
    def resolve(source: Any, _: GraphQLResolveInfo) -> Any:
        return getattr(source, name)

    return resolve


def read_attributes_directly(graphql_schema: GraphQLSchema) -> None:
    """Resolves each plain field (no resolver, permission or extension) by one attribute read."""
    # Strawberry's default resolver for such a field goes through two more calls per value; a
    # page of results has hundreds of them.
    for named in graphql_schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            definition = (field.extensions or {}).get("strawberry-definition")
            if (
                isinstance(definition, StrawberryField)
                and definition.is_basic_field
                and getattr(field.resolve, "_is_default", False)
            ):
                field.resolve = _attribute(definition.python_name)


schema = HarbourSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    # Factories: a fresh extension per request; the parse and validation caches are shared.
    extensions=[
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: AddValidationRules(list(LIMIT_RULES)),
        ValidationByText,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaskErrors(
            should_mask_error=_unexpected, error_message="Something went wrong on our side."
        ),
    ],
)
read_attributes_directly(schema._schema)
