"""The claimant's "Report a problem" page: a plain form that works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from harbour_kit.contracts.vocabulary import ReportKind
from harbour_web.gateway import Gateway, GatewayError
from harbour_web.i18n import Locale, negotiate

TEXT_LIMIT = 500
KINDS = [kind.value for kind in ReportKind]
NAME = """
query($id: ID!, $locale: String) { service(id: $id, locale: $locale) { ... on Service { name } } }
"""
REPORT = """
mutation($id: ID!, $kind: ReportKind!, $text: String!) {
  reportListing(serviceId: $id, kind: $kind, text: $text) {
    __typename
    ... on ValidationProblem { fields { field } }
  }
}
"""
Render = Callable[..., HTMLResponse]


def _kind_enum(kind: str) -> str:
    """The GraphQL enum name of a report kind (`phone-wrong` → `PHONE_WRONG`)."""
    return ReportKind(kind).name


async def _name(gateway: Gateway, service_id: str, locale: Locale) -> str | None:
    """The listing's public name, or None when there is no such listing."""
    data = await gateway.data(NAME, {"id": service_id, "locale": locale.code})
    found: dict[str, Any] | None = data.get("service")
    return str(found["name"]) if found and found.get("name") else None


def router(gateway: Gateway, render: Render, client: Callable[[Request], str | None]) -> APIRouter:
    """`GET` and `POST /report/{service_id}`."""
    routes = APIRouter()

    def _locale(request: Request, lang: str | None = None) -> Locale:
        return negotiate(
            lang or request.query_params.get("lang"), request.headers.get("accept-language")
        )

    async def _page(
        locale: Locale, service_id: str, status: int = 200, **values: object
    ) -> HTMLResponse:
        try:
            name = await _name(gateway, service_id, locale)
        except GatewayError:
            name = None
        if name is None:
            response = render(
                "report.html", locale, missing=True, service_id=service_id, kinds=KINDS
            )
            response.status_code = 404
            return response
        response = render(
            "report.html",
            locale,
            service_id=service_id,
            listing=name,
            kinds=KINDS,
            limit=TEXT_LIMIT,
            **values,
        )
        response.status_code = status
        return response

    @routes.get("/report/{service_id}", response_class=HTMLResponse, summary="Report a problem")
    async def report_form(request: Request, service_id: str) -> HTMLResponse:
        return await _page(_locale(request), service_id)

    @routes.post("/report/{service_id}", response_class=HTMLResponse, summary="Send a report")
    async def send_report(request: Request, service_id: str) -> HTMLResponse:
        form = {
            k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()
        }
        locale = _locale(request, form.get("lang"))
        kind, text = form.get("kind", ""), form.get("text", "").strip()
        chosen = {"kind": kind, "text": text}
        if form.get("website"):
            # A robot filled the field people never see: thank it and keep nothing.
            return await _page(locale, service_id, sent=True)
        if kind not in KINDS:
            return await _page(locale, service_id, 422, error="kind", **chosen)
        if len(text) > TEXT_LIMIT:
            return await _page(locale, service_id, 422, error="text", **chosen)
        try:
            data = await gateway.data(
                REPORT,
                {"id": service_id, "kind": _kind_enum(kind), "text": text},
                forwarded_for=client(request),
            )
        except GatewayError:
            return await _page(locale, service_id, 503, error="unavailable", **chosen)
        answer = data["reportListing"]
        match answer["__typename"]:
            case "ReportReceipt":
                return await _page(locale, service_id, sent=True)
            case "RateLimited":
                return await _page(locale, service_id, 429, error="too_many", **chosen)
            case "ValidationProblem":
                fields = [f["field"] for f in answer.get("fields", [])]
                error = "kind" if "kind" in fields else "contact" if "text" in fields else "text"
                return await _page(locale, service_id, 422, error=error, **chosen)
            case _:
                return await _page(locale, service_id, 404)

    return routes
