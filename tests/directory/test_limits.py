"""Pages and query arguments have bounds: past them, a 422 problem naming the field, never a 500."""

from __future__ import annotations

import pytest

from harbour_kit.errors import PROBLEM_JSON
from tests.conftest import StartService

LISTS = ["/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"]
HUGE = "9223372036854775807"  # the largest 64-bit integer: its row offset overflowed


async def _refused(start_service: StartService, path: str, params: dict[str, str]) -> list[str]:
    directory = await start_service("directory")
    response = await directory.client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("path", LISTS)
async def test_a_page_past_the_last_possible_one_is_a_422_naming_page(
    start_service: StartService, path: str
) -> None:
    directory = await start_service("directory")
    for page in (HUGE, "10001"):
        response = await directory.client.get(path, params={"page": page})
        assert response.status_code == 422, (page, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["page"]
    last = await directory.client.get(path, params={"page": "10000"})
    assert last.status_code == 200 and last.json()["contents"] == []


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/service_at_locations", "near", "x" * 101),
        ("/service_at_locations", "q", "x" * 201),
        ("/service_at_locations", "category", "legal," * 100),
        ("/service_at_locations", "eligible", "x" * 101),
        ("/service_at_locations", "locale", "x" * 36),
        ("/services", "search", "x" * 201),
        ("/services", "organization_id", "x" * 201),
        ("/services", "locale", "x" * 36),
        ("/taxonomy_terms", "parent_id", "x" * 201),
    ],
)
async def test_an_over_long_argument_is_a_422_naming_it(
    start_service: StartService, path: str, field: str, value: str
) -> None:
    assert await _refused(start_service, path, {field: value}) == [field]
