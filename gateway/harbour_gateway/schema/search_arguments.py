"""A search's arguments: the filter input, their bounds, and the directory's query parameters."""

from __future__ import annotations

from datetime import datetime

import strawberry

from harbour_gateway.problems import ValidationProblem, invalid


@strawberry.input(description="Filters for a search; all of them must hold.")
class ServiceFilter:
    categories: list[str] | None = strawberry.field(default=None, description="Any of these codes")
    languages: list[str] | None = strawberry.field(default=None, description="Any of these spoken")
    open_now: bool = False
    open_at: datetime | None = None
    free_only: bool = False
    accepting_referrals: bool = False
    eligible_for: str | None = strawberry.field(
        default=None, description="An immigration status, e.g. non-refoulement-claimant"
    )
    include_unknown_eligibility: bool = False
    wheelchair: bool = False
    text: str | None = strawberry.field(default=None, description="Words, English or Chinese")


# The directory's own bounds, checked here too: a value past them could make a URL longer than
# its HTTP server reads, and the caller should hear which field, not that the directory is down.
LIMITS = {"near": 100, "filter.text": 200, "filter.eligibleFor": 100, "locale": 35}
MAX_CODES, MAX_CODE = 20, 60  # category and language codes in one filter, and characters of each
MAX_PREFIX = 60


def too_long(
    *, near: str | None, filter: ServiceFilter | None, locale: str | None
) -> ValidationProblem | None:
    """The first search argument past its bound, as a problem naming it."""
    f = filter or ServiceFilter()
    values = {
        "near": near,
        "filter.text": f.text,
        "filter.eligibleFor": f.eligible_for,
        "locale": locale,
    }
    for field, value in values.items():
        if value is not None and len(value) > LIMITS[field]:
            return invalid(field, f"must be at most {LIMITS[field]} characters")
    for field, codes in (("filter.categories", f.categories), ("filter.languages", f.languages)):
        if codes and (len(codes) > MAX_CODES or any(len(c) > MAX_CODE for c in codes)):
            return invalid(field, f"at most {MAX_CODES} codes of {MAX_CODE} characters each")
    return None


def search_params(
    *,
    near: str | None,
    lat: float | None,
    lng: float | None,
    radius: float | None,
    filter: ServiceFilter | None,
    locale: str,
) -> dict[str, str]:
    """The directory's query parameters for a GraphQL search."""
    params: dict[str, str] = {"locale": locale}
    for key, value in (("near", near), ("lat", lat), ("lng", lng), ("radius", radius)):
        if value is not None:
            params[key] = str(value)
    f = filter or ServiceFilter()
    if f.categories:
        params["category"] = ",".join(f.categories)
    if f.languages:
        params["language"] = ",".join(f.languages)
    if f.eligible_for:
        params["eligible"] = f.eligible_for
    if f.text:
        params["q"] = f.text
    if f.open_at:
        params["open_at"] = f.open_at.isoformat()
    flags = {
        "open_now": f.open_now,
        "free": f.free_only,
        "accepting_referrals": f.accepting_referrals,
        "include_unknown_eligibility": f.include_unknown_eligibility,
        "wheelchair": f.wheelchair,
    }
    params.update({k: "true" for k, on in flags.items() if on})
    return params
