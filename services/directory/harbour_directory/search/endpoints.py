"""Geosearch over services at locations, and place-name autocomplete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from harbour_directory.hsds.endpoints import STREAM, only_documented_parameters
from harbour_directory.hsds.schemas import NDJSON
from harbour_directory.search import service
from harbour_directory.search.schemas import FullSearchPage, Places, SearchPage, SearchParams
from harbour_directory.settings import settings_of
from harbour_kit.app import ServiceDep
from harbour_kit.auth import OptionalPrincipal
from harbour_kit.errors import problem_responses

router = APIRouter(tags=["search"], dependencies=[Depends(only_documented_parameters)])


@router.get(
    "/service_at_locations",
    summary="Services at locations: geosearch with filters (HSDS page, or every match as ndjson)",
    response_model=SearchPage | FullSearchPage,
    response_model_exclude_unset=True,
    responses={200: STREAM, **problem_responses(400, 401, 422)},
)
async def search_service_at_locations(
    request: Request,
    svc: ServiceDep,
    principal: OptionalPrincipal,
    params: Annotated[SearchParams, Depends()],
) -> SearchPage | FullSearchPage | StreamingResponse:
    near = await service.circle(
        params=params, geocoding=request.app.state.geocoding, settings=settings_of(svc)
    )
    if params.streamed:
        return StreamingResponse(
            service.stream(factory=svc.factory, params=params, near=near, public=principal is None),
            media_type=NDJSON,
        )
    async with svc.factory() as session:
        return await service.run(
            session=session, params=params, near=near, public=principal is None
        )


@router.get(
    "/places",
    summary="Gazetteer autocomplete (English or Chinese)",
    responses=problem_responses(400, 422),
)
async def places(
    prefix: Annotated[str, Query(min_length=1, max_length=60)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Places:
    return service.places(prefix=prefix, limit=limit)
