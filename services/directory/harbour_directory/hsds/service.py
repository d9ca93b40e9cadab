"""Reading the directory as HSDS: pages, single records and whole-directory exports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, get_args

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds import render, repository, tabular
from harbour_directory.hsds.fields import CSV_FILES
from harbour_directory.hsds.repository import Row
from harbour_directory.hsds.schemas import (
    Organization,
    OrganizationPage,
    Page,
    Service,
    ServiceAtLocation,
    ServicePage,
    Taxonomy,
    TaxonomyTerm,
)
from harbour_kit.auth import Principal
from harbour_kit.errors import NotFound

PageT = TypeVar("PageT", bound=Page)
RecordT = TypeVar("RecordT", bound=BaseModel)


def viewer(*, principal: Principal | None, locale: str | None) -> render.Viewer:
    """Signed-in users see confidential addresses; the public sees districts."""
    return render.Viewer(public=principal is None, locale=locale)


def split_ids(ids: str | None) -> list[str] | None:
    """The ids of a comma-separated list (None when there is no list)."""
    return [i for i in ids.split(",") if i] if ids is not None else None


def envelope(*, contents: list[Any], total: int, number: int, per_page: int) -> dict[str, Any]:
    """The HSDS 3.0 page envelope around `contents`."""
    pages = max(1, -(-total // per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": not contents,
        "contents": contents,
    }


@dataclass(frozen=True)
class Kind:
    """How the records of one HSDS table read: alone (or in a full page), or as page items."""

    table: str
    full: render.Shape
    listed: render.Shape
    order: str = "name"  # the column pages sort by, then id


KINDS: dict[type[BaseModel], Kind] = {
    Organization: Kind("organization", render.ORGANIZATION_FULL, render.FLAT),
    Service: Kind("service", render.SERVICE_FULL, render.SERVICE_LIST),
    ServiceAtLocation: Kind("service_at_location", render.SAL_FULL, render.SAL_LIST),
    Taxonomy: Kind("taxonomy", render.FLAT, render.FLAT),
    TaxonomyTerm: Kind("taxonomy_term", render.TAXONOMY_TERM, render.TAXONOMY_TERM, "code"),
}


async def page_of(
    *,
    session: AsyncSession,
    model: type[PageT],
    where: Sequence[ColumnElement[bool]],
    who: render.Viewer,
    number: int,
    per_page: int,
    full: bool = False,
) -> PageT:
    """One page of the records that match `where`, as `model` says, rendered for `who`."""
    (item,) = get_args(model.model_fields["contents"].annotation)
    kind = KINDS[item]
    rows, total = await repository.page(
        session=session,
        table=kind.table,
        where=where,
        order=kind.order,
        number=number,
        per_page=per_page,
    )
    shape = kind.full if full else kind.listed
    documents = await render.render(session, kind.table, rows, shape, who)
    return model.model_validate(
        envelope(contents=documents, total=total, number=number, per_page=per_page)
    )


async def record(
    *, session: AsyncSession, model: type[RecordT], record_id: str, who: render.Viewer
) -> RecordT:
    """One record, fully nested, for `who`; NotFound when there is none."""
    kind = KINDS[model]
    found = await repository.by_ids(session=session, table=kind.table, ids=[record_id])
    if record_id not in found:
        raise NotFound(f"No such {kind.table.replace('_', ' ')}.")
    documents = await render.render(session, kind.table, [found[record_id]], kind.full, who)
    return model.model_validate(documents[0])


async def list_services(
    *,
    session: AsyncSession,
    who: render.Viewer,
    ids: list[str] | None,
    organization_id: str | None,
    taxonomy_term_id: str | None,
    words: str | None,
    modified_after: datetime | None,
    full: bool,
    number: int,
    per_page: int,
) -> ServicePage:
    """A page of services by name, each with its organization (fully nested when `full`)."""
    where = repository.service_filters(
        ids=ids,
        organization_id=organization_id,
        taxonomy_term_id=taxonomy_term_id,
        words=words,
        modified_after=modified_after,
    )
    return await page_of(
        session=session,
        model=ServicePage,
        where=where,
        who=who,
        number=number,
        per_page=per_page,
        full=full,
    )


async def list_organizations(
    *,
    session: AsyncSession,
    who: render.Viewer,
    ids: list[str] | None,
    words: str | None,
    full: bool,
    number: int,
    per_page: int,
) -> OrganizationPage:
    """A page of organizations by name (nested with their services when `full`)."""
    where = repository.organization_filters(ids=ids, words=words)
    return await page_of(
        session=session,
        model=OrganizationPage,
        where=where,
        who=who,
        number=number,
        per_page=per_page,
        full=full,
    )


async def export_organizations(
    *, session: AsyncSession, who: render.Viewer
) -> list[dict[str, Any]]:
    """Every organisation, nested with its services and locations (HSDS `organization` records)."""
    rows = await repository.every(session=session, table="organization", by_name=True)
    return await render.render(session, "organization", rows, render.ORGANIZATION_FULL, who)


async def export(*, session: AsyncSession, who: render.Viewer) -> list[Organization]:
    """The whole directory as HSDS organization records."""
    documents = await export_organizations(session=session, who=who)
    return [Organization.model_validate(d) for d in documents]


async def export_tabular(*, session: AsyncSession) -> dict[str, str]:
    """The HSDS tabular package of the whole directory: CSV text by file name."""
    rows: dict[str, list[Row]] = {
        table: await repository.every(session=session, table=table) for table in CSV_FILES
    }
    return tabular.package(rows)


async def export_zip(*, session: AsyncSession) -> bytes:
    """The HSDS tabular package of the whole directory as one zip archive."""
    return tabular.zipped(await export_tabular(session=session))
