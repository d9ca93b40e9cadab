"""Harbour's taxonomies kept in the database, and reading taxonomies and terms as HSDS."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds import ingest, render
from harbour_directory.hsds import repository as hsds_repository
from harbour_directory.hsds import service as hsds_service
from harbour_directory.hsds.schemas import Taxonomy, TaxonomyTerm
from harbour_directory.settings import DirectorySettings
from harbour_directory.taxonomy import repository, terms
from harbour_directory.taxonomy.schemas import TaxonomyPage, TaxonomyTermPage
from harbour_kit.service import Service


async def ensure_taxonomies(service: Service, settings: DirectorySettings) -> None:
    """Writes Harbour's taxonomies when they are missing or out of date (they live in code)."""
    async with service.uow() as session:
        stored = await repository.count_terms(session=session, ids=[t.id for t in terms.TERMS])
        if stored == len(terms.TERMS):
            return
        batch = ingest.ingest_documents("taxonomy_term", terms.as_documents())
        await hsds_repository.write(session=session, batch=batch, time_zone=settings.time_zone)


def taxonomies_listing(*, words: str | None) -> hsds_service.Listing:
    """The taxonomies a list keeps, flat."""
    return hsds_service.Listing(repository.taxonomy_filters(words=words), render.FLAT)


def terms_listing(
    *, taxonomy_id: str | None, parent_id: str | None, top_only: bool, words: str | None
) -> hsds_service.Listing:
    """The terms a list keeps, each with its taxonomy."""
    where = repository.term_filters(
        taxonomy_id=taxonomy_id, parent_id=parent_id, top_only=top_only, words=words
    )
    return hsds_service.Listing(where, render.TAXONOMY_TERM)


async def list_taxonomies(
    *,
    session: AsyncSession,
    locale: str | None,
    listing: hsds_service.Listing,
    number: int,
    per_page: int,
) -> TaxonomyPage:
    """A page of taxonomies by name."""
    who = render.Viewer(locale=locale)
    return await hsds_service.page_of(
        session=session,
        model=TaxonomyPage,
        where=listing.where,
        who=who,
        number=number,
        per_page=per_page,
        listing=listing,
    )


async def get_taxonomy(*, session: AsyncSession, taxonomy_id: str, locale: str | None) -> Taxonomy:
    """One taxonomy."""
    who = render.Viewer(locale=locale)
    return await hsds_service.record(
        session=session, model=Taxonomy, record_id=taxonomy_id, who=who
    )


async def list_terms(
    *,
    session: AsyncSession,
    locale: str | None,
    listing: hsds_service.Listing,
    number: int,
    per_page: int,
) -> TaxonomyTermPage:
    """A page of terms by code, each with its taxonomy."""
    who = render.Viewer(locale=locale)
    return await hsds_service.page_of(
        session=session,
        model=TaxonomyTermPage,
        where=listing.where,
        who=who,
        number=number,
        per_page=per_page,
        listing=listing,
    )


async def get_term(*, session: AsyncSession, term_id: str, locale: str | None) -> TaxonomyTerm:
    """One term with its taxonomy."""
    who = render.Viewer(locale=locale)
    return await hsds_service.record(
        session=session, model=TaxonomyTerm, record_id=term_id, who=who
    )
