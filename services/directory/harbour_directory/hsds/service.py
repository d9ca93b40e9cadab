"""Reading the directory as HSDS: pages, single records and whole-directory exports."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
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
    Page,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from harbour_kit.auth import Principal
from harbour_kit.db import SessionFactory
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


MINIMAL = ("id", "name", "status", "last_modified")  # service_list requires name and status


@dataclass(frozen=True)
class Listing:
    """What a list request reads: which records, in which shape, and whether only `MINIMAL`."""

    where: Sequence[ColumnElement[bool]]
    shape: render.Shape
    minimal: bool = False


async def _documents(
    session: AsyncSession, kind: Kind, rows: list[Row], listing: Listing, who: render.Viewer
) -> list[dict[str, Any]]:
    documents = await render.render(session, kind.table, rows, listing.shape, who)
    if listing.minimal:
        return [{k: d[k] for k in MINIMAL if k in d} for d in documents]
    return documents


async def page_of(
    *,
    session: AsyncSession,
    model: type[PageT],
    where: Sequence[ColumnElement[bool]],
    who: render.Viewer,
    number: int,
    per_page: int,
    full: bool = False,
    listing: Listing | None = None,
) -> PageT:
    """One page of the records that match `where`, as `model` says, rendered for `who`."""
    (item,) = get_args(model.model_fields["contents"].annotation)
    kind = KINDS[item]
    listing = listing or Listing(where, kind.full if full else kind.listed)
    rows, total = await repository.page(
        session=session,
        table=kind.table,
        where=listing.where,
        order=kind.order,
        number=number,
        per_page=per_page,
    )
    documents = await _documents(session, kind, rows, listing, who)
    return model.model_validate(
        envelope(contents=documents, total=total, number=number, per_page=per_page)
    )


async def ndjson(
    *, factory: SessionFactory, model: type[BaseModel], listing: Listing, who: render.Viewer
) -> AsyncIterator[bytes]:
    """Every matching record as one JSON line each, read in batches, without pages."""
    kind = KINDS[model]
    async with factory() as session:
        async for rows in repository.batches(
            session=session, table=kind.table, where=listing.where, order=kind.order
        ):
            documents = await _documents(session, kind, rows, listing, who)
            yield "".join(
                json.dumps(
                    model.model_validate(d).model_dump(mode="json", exclude_unset=True),
                    ensure_ascii=False,
                )
                + "\n"
                for d in documents
            ).encode()


async def record(
    *,
    session: AsyncSession,
    model: type[RecordT],
    record_id: str,
    who: render.Viewer,
    shape: render.Shape | None = None,
) -> RecordT:
    """One record, fully nested (or as `shape` says), for `who`; NotFound when there is none."""
    kind = KINDS[model]
    found = await repository.by_ids(session=session, table=kind.table, ids=[record_id])
    if record_id not in found:
        raise NotFound(f"No such {kind.table.replace('_', ' ')}.")
    documents = await render.render(
        session, kind.table, [found[record_id]], shape or kind.full, who
    )
    return model.model_validate(documents[0])


def services_listing(
    *,
    ids: list[str] | None,
    organization_id: str | None,
    taxonomy_term_id: str | None,
    taxonomy_id: str | None,
    words: str | None,
    modified_after: datetime | None,
    full: bool,
    minimal: bool,
) -> Listing:
    """The services a list keeps, fully nested when `full`, only `MINIMAL` fields when `minimal`."""
    where = repository.service_filters(
        ids=ids,
        organization_id=organization_id,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        words=words,
        modified_after=modified_after,
    )
    kind = KINDS[Service]
    shape = render.FLAT if minimal else kind.full if full else kind.listed
    return Listing(where, shape, minimal)


def organization_shape(*, full: bool, full_service: bool) -> render.Shape:
    """Flat; nested with one-to-one services (`full`); or with full services (`full_service`)."""
    if full_service:
        return render.ORGANIZATION_FULL
    return render.ORGANIZATION_NESTED if full else render.FLAT


def organizations_listing(
    *, ids: list[str] | None, words: str | None, full: bool, full_service: bool
) -> Listing:
    """The organizations a list keeps, in the shape `full` and `full_service` ask for."""
    where = repository.organization_filters(ids=ids, words=words)
    return Listing(where, organization_shape(full=full, full_service=full_service))


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
