"""The HSDS taxonomy API: taxonomies and their terms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from harbour_directory.hsds import render
from harbour_directory.hsds import service as hsds_service
from harbour_directory.hsds.endpoints import STREAM, only_documented_parameters
from harbour_directory.hsds.schemas import (
    NDJSON,
    Id,
    Locale,
    Paging,
    Search,
    Taxonomy,
    TaxonomyTerm,
)
from harbour_directory.taxonomy import service
from harbour_directory.taxonomy.schemas import TaxonomyPage, TaxonomyTermPage, TermPaging
from harbour_kit.app import ServiceDep
from harbour_kit.errors import problem_responses

router = APIRouter(tags=["hsds"], dependencies=[Depends(only_documented_parameters)])


@router.get(
    "/taxonomies",
    summary="Taxonomies (HSDS page, or every match as ndjson)",
    response_model=TaxonomyPage,
    response_model_exclude_unset=True,
    responses={200: STREAM, **problem_responses(400, 422)},
)
async def list_taxonomies(
    svc: ServiceDep,
    paging: Annotated[Paging, Depends()],
    search: Search = None,
    locale: Locale = None,
) -> TaxonomyPage | StreamingResponse:
    number, per_page = paging.checked()
    listing = service.taxonomies_listing(words=search)
    if paging.streamed:
        who = render.Viewer(locale=locale)
        return StreamingResponse(
            hsds_service.ndjson(factory=svc.factory, model=Taxonomy, listing=listing, who=who),
            media_type=NDJSON,
        )
    async with svc.factory() as session:
        return await service.list_taxonomies(
            session=session, locale=locale, listing=listing, number=number, per_page=per_page
        )


@router.get(
    "/taxonomies/{taxonomy_id}",
    summary="One taxonomy",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 404, 422),
)
async def get_taxonomy(taxonomy_id: str, svc: ServiceDep, locale: Locale = None) -> Taxonomy:
    async with svc.factory() as session:
        return await service.get_taxonomy(session=session, taxonomy_id=taxonomy_id, locale=locale)


@router.get(
    "/taxonomy_terms",
    summary="Taxonomy terms (HSDS page, or every match as ndjson)",
    response_model=TaxonomyTermPage,
    response_model_exclude_unset=True,
    responses={200: STREAM, **problem_responses(400, 422)},
)
async def list_taxonomy_terms(
    svc: ServiceDep,
    paging: Annotated[TermPaging, Depends()],
    search: Search = None,
    taxonomy_id: Id = None,
    parent_id: Id = None,
    top_only: Annotated[bool, Query(description="Only terms without a parent")] = False,
    locale: Locale = None,
) -> TaxonomyTermPage | StreamingResponse:
    number, per_page = paging.checked()
    listing = service.terms_listing(
        taxonomy_id=taxonomy_id, parent_id=parent_id, top_only=top_only, words=search
    )
    if paging.streamed:
        who = render.Viewer(locale=locale)
        return StreamingResponse(
            hsds_service.ndjson(factory=svc.factory, model=TaxonomyTerm, listing=listing, who=who),
            media_type=NDJSON,
        )
    async with svc.factory() as session:
        return await service.list_terms(
            session=session, locale=locale, listing=listing, number=number, per_page=per_page
        )


@router.get(
    "/taxonomy_terms/{term_id}",
    summary="One taxonomy term",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 404, 422),
)
async def get_taxonomy_term(term_id: str, svc: ServiceDep, locale: Locale = None) -> TaxonomyTerm:
    async with svc.factory() as session:
        return await service.get_term(session=session, term_id=term_id, locale=locale)
