"""Expected failures as typed results a client can switch on; outages as GraphQL errors."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from harbour_gateway.downstream import DownstreamError


@strawberry.interface(description="Something the caller can act on went wrong.")
class Problem:
    code: str = strawberry.field(
        description="A stable, machine-readable code, e.g. consent-missing"
    )
    message: str = strawberry.field(description="What happened, in words a user can act on")


@strawberry.type(description="One invalid input field.")
class FieldError:
    field: str
    message: str


@strawberry.type(description="Nothing with that id exists (or it is not for you).")
class NotFound(Problem):
    pass


@strawberry.type(description="You may not do this, or see this.")
class Forbidden(Problem):
    pass


@strawberry.type(description="Someone changed it first, or its state does not allow this.")
class Conflict(Problem):
    pass


@strawberry.type(description="Some input is invalid; nothing was changed.")
class ValidationProblem(Problem):
    fields: list[FieldError]


@strawberry.type(description="No active consent covers sending this referral.")
class ConsentMissing(Problem):
    pass


def unauthenticated() -> GraphQLError:
    """The error for a field that needs a signed-in caller."""
    return GraphQLError(
        "Sign in: this needs a bearer token.", extensions={"code": "UNAUTHENTICATED"}
    )


def outage(exc: DownstreamError) -> GraphQLError:
    """A service that is down or failing: a clear error naming it, never a hang."""
    code = "SERVICE_UNAVAILABLE" if exc.status >= 500 else exc.code.upper().replace("-", "_")
    return GraphQLError(
        f"The {exc.service} service is not answering; try again shortly."
        if exc.status >= 500
        else exc.detail,
        extensions={"code": code, "service": exc.service},
    )


Typed = NotFound | Forbidden | Conflict | ValidationProblem | ConsentMissing


def typed(exc: DownstreamError, *, hide_existence: bool = False) -> Typed:
    """Turns a service's problem document into a typed result; raises for outages and 401."""
    if exc.status == 401:
        raise unauthenticated() from exc
    if exc.status >= 500:
        raise outage(exc) from exc
    if exc.status == 404 and hide_existence:
        # Same answer whether it exists or not: existence is not revealed.
        return Forbidden(
            code="forbidden", message="It does not exist, or it is not open to your organisation."
        )
    if exc.status == 404:
        return NotFound(code=exc.code, message=exc.detail)
    if exc.status == 403:
        return Forbidden(code=exc.code, message=exc.detail)
    if exc.status == 409:
        return Conflict(code=exc.code, message=exc.detail)
    if exc.code == "consent-missing":
        return ConsentMissing(code=exc.code, message=exc.detail)
    fields = [
        FieldError(field=str(e.get("field", "")), message=str(e.get("message", "")))
        for e in exc.errors
    ]
    return ValidationProblem(code=exc.code, message=exc.detail, fields=fields)


def invalid(field: str, message: str) -> ValidationProblem:
    """A validation problem the gateway finds itself, before calling any service."""
    return ValidationProblem(
        code="validation-failed",
        message=f"Invalid input in: {field}",
        fields=[FieldError(field=field, message=message)],
    )
