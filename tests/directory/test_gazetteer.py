"""The shipped gazetteer: all districts and MTR stations, English and Chinese, via geopy."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from harbour_directory.geo.gazetteer import DISTRICTS, PLACES, Gazetteer, lookup, suggest
from harbour_directory.geo.geocoding import Geocoding
from harbour_kit.errors import ValidationFailed

CHUNGKING = (22.2963, 114.1722)


def test_all_eighteen_districts_and_every_mtr_station_are_there() -> None:
    assert len(DISTRICTS) == 18
    kinds = {kind: [p for p in PLACES if p.kind == kind] for kind in {p.kind for p in PLACES}}
    assert len(kinds["district"]) == 18
    assert len(kinds["mtr"]) >= 95
    assert len(kinds["landmark"]) >= 40 and len(kinds["area"]) >= 60
    for place in PLACES:
        assert place.district in DISTRICTS
        assert 22.15 <= place.lat <= 22.57 and 113.83 <= place.lng <= 114.45
        assert place.name_zh and place.name_en


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Chungking Mansions", CHUNGKING),
        ("重慶大廈", CHUNGKING),
        ("CHUNGKING-MANSIONS", CHUNGKING),
        ("深水埗", None),
        ("Sham Shui Po Station", None),
        ("旺角站", None),
        ("Tsim Sha Tsui", None),
    ],
)
def test_names_resolve_in_english_and_chinese(
    name: str, expected: tuple[float, float] | None
) -> None:
    place = lookup(name)
    assert place is not None, name
    if expected is not None:
        assert geodesic((place.lat, place.lng), expected).meters < 50


def test_the_same_place_in_both_languages_is_one_point() -> None:
    for english, chinese in [("Mong Kok", "旺角"), ("Sham Shui Po", "深水埗"), ("Jordan", "佐敦")]:
        a, b = lookup(english), lookup(chinese)
        assert a is not None and b is not None
        assert a.id == b.id


def test_suggestions_for_autocomplete() -> None:
    names = [p.name_en for p in suggest("Sham")]
    assert "Sham Shui Po" in names
    assert any(p.name_zh == "重慶大廈" for p in suggest("重慶"))
    assert suggest("   ") == []


def test_gazetteer_is_a_geopy_geocoder() -> None:
    found = Gazetteer().geocode("佐敦")
    assert found is not None and found.latitude == pytest.approx(22.305, abs=0.01)
    assert Gazetteer().geocode("Atlantis") is None


async def test_unknown_place_is_a_clear_error_and_answers_are_cached() -> None:
    geocoding = Geocoding()
    point = await geocoding.locate("Chungking Mansions")
    assert (point.lat, point.lng) == CHUNGKING
    assert "chungking mansions" in geocoding.cache
    with pytest.raises(ValidationFailed) as failed:
        await geocoding.locate("Sham Shui Poo Market Town")
    assert failed.value.errors == [
        {"field": "near", "message": "no place called 'Sham Shui Poo Market Town'"}
    ]
    assert failed.value.code == "unknown-place"
