"""HSDS 3.0 query parameters and response shapes: the page envelope and the main records.

A record declares the standard's main fields and Harbour's extensions; the standard's other
fields pass through as they are (`extra="allow"`), and a field without a value is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from harbour_directory.schemas import Instant, Number
from harbour_kit.errors import ValidationFailed

MAX_PAGE = 10_000  # keeps the row offset far inside 64 bits whatever the page size
MAX_ID = 200  # characters of one id

PageNumber = Annotated[
    int, Query(alias="page", ge=1, le=MAX_PAGE, description="1-based page number")
]
PerPage = Annotated[int, Query(ge=1, le=200, description="Items per page")]
Id = Annotated[str | None, Query(max_length=MAX_ID)]
# About a hundred ids: even percent-encoded, the URL stays within what the HTTP server reads.
Ids = Annotated[
    str | None, Query(max_length=4000, description="Comma-separated ids to fetch in one call")
]
Locale = Annotated[
    str | None,
    Query(
        max_length=35,  # the longest language tag RFC 5646 asks implementations to keep
        description="Language of text fields (fallback zh-Hant-HK → zh-Hant → en)",
    ),
]
Full = Annotated[bool, Query(description="Return fully nested records")]
MAX_MINIMAL = 10_000  # a minimal page's items are four short fields: all services in one call
PageAlias = Annotated[
    int | None,
    Query(ge=1, le=MAX_PAGE, description="Harbour's older name for `page`; give one of them"),
]
ListPerPage = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_MINIMAL,
        description=f"Items per page: up to 200 (default 50), or {MAX_MINIMAL} with `minimal`",
    ),
]
Format = Annotated[
    Literal["json", "ndjson"],
    Query(description="json: a page; ndjson: every match streamed, one record per line, no pages"),
]
Minimal = Annotated[
    bool,
    Query(
        description="Only each service's id, name, status and last_modified; "
        f"up to {MAX_MINIMAL} per page (the default) so one call returns all"
    ),
]
FullService = Annotated[
    bool,
    Query(description="Nest the organisation's services fully (implies `full` on the list)"),
]
Search = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Words, each in the name, alternate name or description (any language)",
    ),
]
NDJSON = "application/x-ndjson"
ListPage = Annotated[
    int | None, Query(alias="page", ge=1, le=MAX_PAGE, description="1-based page number")
]


@dataclass
class Paging:
    """How an HSDS list answers: a page (`page`, `per_page`) or every match as ndjson."""

    page: ListPage = None
    page_number: PageAlias = None
    per_page: ListPerPage = None
    format: Format = "json"

    @property
    def streamed(self) -> bool:
        """Every match as ndjson lines rather than one page."""
        return self.format == "ndjson"

    def checked(self, *, minimal: bool = False, full: bool = False) -> tuple[int, int]:
        """The page number and size asked for; a 422 naming each parameter that cannot apply."""
        errors: list[dict[str, str]] = []
        given = {"page": self.page, "page_number": self.page_number, "per_page": self.per_page}
        if self.streamed:
            errors += [
                {"field": name, "message": "format=ndjson streams every match, without pages"}
                for name, value in given.items()
                if value is not None
            ]
        if self.page is not None and self.page_number is not None:
            errors.append({"field": "page_number", "message": "give page or page_number, not both"})
        if self.per_page is not None and self.per_page > 200 and not minimal:
            errors.append(
                {"field": "per_page", "message": f"at most 200 (or {MAX_MINIMAL} with minimal)"}
            )
        if minimal and full:
            errors.append({"field": "minimal", "message": "give minimal or full, not both"})
        if errors:
            raise ValidationFailed("The list has parameters that cannot apply.", errors=errors)
        default = MAX_MINIMAL if minimal else 50
        return self.page or self.page_number or 1, self.per_page or default


Translations = dict[str, dict[str, str]]


class Record(BaseModel):
    """An HSDS record: its id, and the standard's other fields as the record has them."""

    model_config = ConfigDict(extra="allow")

    id: str
    translations: Translations | None = Field(
        default=None, description="Other languages: locale → field → text"
    )


class Taxonomy(Record):
    """An HSDS taxonomy."""

    name: str
    description: str
    uri: str | None = None
    version: str | None = None


class TaxonomyTerm(Record):
    """An HSDS taxonomy term (Harbour's own carry a `code` such as `legal.detention`)."""

    code: str | None = None
    name: str
    description: str
    parent_id: str | None = None
    taxonomy: str | None = None
    language: str | None = None
    taxonomy_id: str | None = None
    taxonomy_detail: Taxonomy | None = None


class Attribute(Record):
    """An HSDS attribute: a taxonomy term linked to a record, with a value."""

    link_id: str | None = None
    taxonomy_term_id: str | None = None
    link_type: str | None = None
    link_entity: str | None = None
    value: str | None = None
    taxonomy_term: TaxonomyTerm | None = None


class Phone(Record):
    """An HSDS phone."""

    number: str
    type: str | None = None
    description: str | None = None


class Schedule(Record):
    """An HSDS schedule: an RFC 5545 rule with opening and closing times."""

    freq: str | None = None
    interval: Number | None = None
    byday: str | None = None
    bymonthday: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    description: str | None = None


class Address(Record):
    """An HSDS address (Hong Kong ones have `postal_code` "")."""

    address_1: str
    city: str
    region: str | None = None
    state_province: str
    postal_code: str
    country: str
    address_type: str


class Location(Record):
    """An HSDS location; for the public a confidential one is only its district."""

    location_type: str
    name: str | None = None
    description: str | None = None
    transportation: str | None = None
    latitude: Number | None = None
    longitude: Number | None = None
    addresses: list[Address] | None = None
    phones: list[Phone] | None = None
    schedules: list[Schedule] | None = None
    attributes: list[Attribute] | None = None
    district: str | None = Field(default=None, description="Harbour's district id")
    confidential: bool | None = Field(default=None, description="The address is shown signed in")
    wheelchair_accessible: bool | None = None


class ServiceAtLocation(Record):
    """An HSDS service at a location."""

    service_id: str | None = None
    location_id: str | None = None
    description: str | None = None
    phones: list[Phone] | None = None
    schedules: list[Schedule] | None = None
    attributes: list[Attribute] | None = None
    location: Location | None = None
    service: Service | None = None


class Program(Record):
    """An HSDS program."""

    organization_id: str | None = None
    name: str
    description: str


class Intake(BaseModel):
    """Harbour's intake capacity of a service."""

    accepting_referrals: bool | None
    waitlist_weeks: int | None
    waitlist_length: int | None
    updated_at: Instant | None


class ReferralPathway(BaseModel):
    """How a service takes referrals."""

    method: str | None = Field(description="harbour, phone, email or walk-in")
    instructions: str | None
    response_days: int | None


class Service(Record):
    """An HSDS service with Harbour's categories, eligibility, intake and referral pathway."""

    organization_id: str | None = None
    program_id: str | None = None
    name: str
    alternate_name: str | None = None
    description: str | None = None
    url: str | None = None
    email: str | None = None
    status: str
    application_process: str | None = None
    fees_description: str | None = None
    eligibility_description: str | None = None
    minimum_age: Number | None = None
    maximum_age: Number | None = None
    assured_date: str | None = Field(default=None, description="Last verified (a date)")
    last_modified: str | None = None
    phones: list[Phone] | None = None
    schedules: list[Schedule] | None = None
    service_at_locations: list[ServiceAtLocation] | None = None
    languages: list[Record] | None = None
    cost_options: list[Record] | None = None
    attributes: list[Attribute] | None = None
    organization: Organization | None = None
    program: Program | None = None
    categories: list[str] | None = Field(default=None, description="Harbour category codes")
    eligibility: dict[str, dict[str, str]] | None = Field(
        default=None, description="group → value → yes or no; unknown when left out"
    )
    intake: Intake | None = None
    referral_pathway: ReferralPathway | None = None
    time_zone: str | None = None
    closes_on_public_holidays: bool | None = None
    version: int | None = Field(default=None, description="Grows by one with every change")


class Organization(Record):
    """An HSDS organization, with its services when nested."""

    name: str
    description: str
    email: str | None = None
    website: str | None = None
    phones: list[Phone] | None = None
    locations: list[Location] | None = None
    programs: list[Program] | None = None
    attributes: list[Attribute] | None = None
    services: list[Service] | None = None


class Page(BaseModel):
    """The HSDS page envelope."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool


class ServicePage(Page):
    """A page of services."""

    contents: list[Service]


class OrganizationPage(Page):
    """A page of organizations."""

    contents: list[Organization]


class ApiInfo(BaseModel):
    """What the HSDS API root says about this API."""

    version: str
    profile: str
    openapi_url: str
    name: str


for _model in (ServiceAtLocation, Service, Organization):
    _model.model_rebuild()
