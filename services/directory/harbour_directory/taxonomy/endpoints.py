"""The HSDS taxonomy API: taxonomies and their terms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from harbour_directory.hsds.schemas import Id, Locale, PageNumber, PerPage, Taxonomy, TaxonomyTerm
from harbour_directory.taxonomy import service
from harbour_directory.taxonomy.schemas import TaxonomyPage, TaxonomyTermPage
from harbour_kit.app import ServiceDep
from harbour_kit.errors import problem_responses

router = APIRouter(tags=["hsds"])


@router.get(
    "/taxonomies",
    summary="Taxonomies (HSDS page)",
    response_model_exclude_unset=True,
    responses=problem_responses(422),
)
async def list_taxonomies(
    svc: ServiceDep,
    page_number: PageNumber = 1,
    per_page: PerPage = 50,
    locale: Locale = None,
) -> TaxonomyPage:
    async with svc.factory() as session:
        return await service.list_taxonomies(
            session=session, locale=locale, number=page_number, per_page=per_page
        )


@router.get(
    "/taxonomies/{taxonomy_id}",
    summary="One taxonomy",
    response_model_exclude_unset=True,
    responses=problem_responses(404, 422),
)
async def get_taxonomy(taxonomy_id: str, svc: ServiceDep, locale: Locale = None) -> Taxonomy:
    async with svc.factory() as session:
        return await service.get_taxonomy(session=session, taxonomy_id=taxonomy_id, locale=locale)


@router.get(
    "/taxonomy_terms",
    summary="Taxonomy terms (HSDS page)",
    response_model_exclude_unset=True,
    responses=problem_responses(422),
)
async def list_taxonomy_terms(
    svc: ServiceDep,
    page_number: PageNumber = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 100,
    taxonomy_id: Id = None,
    parent_id: Id = None,
    top_only: Annotated[bool, Query()] = False,
    locale: Locale = None,
) -> TaxonomyTermPage:
    async with svc.factory() as session:
        return await service.list_terms(
            session=session,
            locale=locale,
            taxonomy_id=taxonomy_id,
            parent_id=parent_id,
            top_only=top_only,
            number=page_number,
            per_page=per_page,
        )


@router.get(
    "/taxonomy_terms/{term_id}",
    summary="One taxonomy term",
    response_model_exclude_unset=True,
    responses=problem_responses(404, 422),
)
async def get_taxonomy_term(term_id: str, svc: ServiceDep, locale: Locale = None) -> TaxonomyTerm:
    async with svc.factory() as session:
        return await service.get_term(session=session, term_id=term_id, locale=locale)
