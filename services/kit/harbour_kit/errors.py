"""Domain errors and their RFC 9457 problem documents, mapped in one place."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://harbour.example/problems/"

log = structlog.get_logger("harbour.errors")


class HarbourError(Exception):
    """An error a user can act on: a stable code, an HTTP status and a plain message."""

    status: int = 400
    code: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.code
        self.status = status or self.status
        self.errors = errors or []
        self.headers = headers or {}


class NotFound(HarbourError):
    status, code = 404, "not-found"


class Unauthorized(HarbourError):
    status, code = 401, "unauthorized"

    def __init__(self, detail: str, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="harbour"'})
        super().__init__(detail, **kwargs)


class Forbidden(HarbourError):
    status, code = 403, "forbidden"


class Conflict(HarbourError):
    status, code = 409, "conflict"


class ValidationFailed(HarbourError):
    status, code = 422, "validation-failed"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Builds an `application/problem+json` response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class FieldError(BaseModel):
    """One input field a request got wrong, and the rule it broke (never the value)."""

    field: str
    message: str


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document, as every Harbour service answers an error."""

    type: str = Field(examples=[PROBLEM_BASE + "not-found"])
    title: str
    status: int
    detail: str = Field(description="What happened, in words a user can act on")
    code: str = Field(description="A stable, machine-readable code, e.g. version-conflict")
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="Fields at fault (422)")


_MEANINGS = {
    400: "The request is not one this operation reads",
    401: "No valid bearer token",
    403: "The caller's role or organisation may not do this",
    404: "Nothing with that id (or not for this caller)",
    409: "It conflicts with the current state (a version, a final state, a reused key)",
    413: "The request is too large",
    422: "Input that breaks a rule; `errors` names the fields",
    429: "Too many requests; wait as `Retry-After` says",
}


_PROBLEM_REF = "#/components/schemas/ProblemDocument"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the problem documents an operation can answer with."""
    return {
        status: {
            "description": _MEANINGS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM_REF}}},
            "model": ProblemDocument,  # registers the schema under components
        }
        for status in statuses
    }


def problem_openapi(app: FastAPI) -> None:
    """Makes the OpenAPI document say what the service really answers for invalid input.

    FastAPI lists its own `HTTPValidationError` body for every 422; the handlers below answer a
    problem document instead, so each 422 (and any other error listed without one) points at it.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in (
            ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
            .pop("$defs", {})
            .items()
        ):
            schemas.setdefault(name, schema)
        schemas.setdefault(
            "ProblemDocument",
            {
                k: v
                for k, v in ProblemDocument.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                ).items()
                if k != "$defs"
            },
        )
        for methods in document.get("paths", {}).values():
            for operation in methods.values():
                response = operation.get("responses", {}).get("422")
                if response is not None:
                    response["description"] = _MEANINGS[422]
                    response["content"] = {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM_REF}}}
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(location[0] if location else "request")


def install_error_handlers(app: FastAPI) -> None:
    """Makes every error leave the service as a problem document."""

    @app.exception_handler(HarbourError)
    async def _harbour_error(request: Request, exc: HarbourError) -> JSONResponse:
        return problem(
            exc.status,
            exc.code,
            exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Only the field path and the rule are echoed, never the submitted value.
        errors = [
            {"field": _field_path(err.get("loc", ())), "message": str(err.get("msg", "invalid"))}
            for err in exc.errors()
        ]
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return problem(
            422,
            "validation-failed",
            f"Invalid input in: {fields}",
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
        return problem(
            exc.status_code,
            code,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected_error", error_type=type(exc).__name__, method=request.method)
        return problem(500, "internal-error", "Something went wrong on our side.")
