"""The UI language is negotiated by Babel, and messages with a count follow CLDR plural rules."""

from __future__ import annotations

import pytest

from harbour_web.i18n import LOCALES, Messages, catalogue, negotiate


@pytest.mark.parametrize(
    ("wanted", "accept_language", "expected"),
    [
        ("zh-Hant", None, "zh-Hant"),
        ("ZH-hant-hk", None, "zh-Hant"),
        ("zh-HK", None, "zh-Hant"),
        ("zh", None, "zh-Hant"),
        ("zh-CN", None, "zh-Hant"),  # the only Chinese offered
        ("fr-CA", "ur", "fr"),  # the link's language before the browser's
        ("xx", "fr-CA;q=0.8, bn;q=0.9", "bn"),
        (None, "ur,en;q=0.5", "ur"),
        (None, "de, en-GB;q=0.1", "en"),
        (None, "de;q=bad, bn;q=0.2", "bn"),
        (None, "*", "en"),
        (None, None, "en"),
    ],
)
def test_the_language_is_the_links_then_the_browsers_then_english(
    wanted: str | None, accept_language: str | None, expected: str
) -> None:
    assert negotiate(wanted, accept_language).code == expected


@pytest.mark.parametrize(
    ("code", "counts"),
    [
        ("en", {0: "0 places near P", 1: "1 place near P", 2: "2 places near P"}),
        ("fr", {0: "0 lieu près de P", 1: "1 lieu près de P", 2: "2 lieux près de P"}),
        ("ur", {1: "P کے قریب 1 جگہ", 2: "P کے قریب 2 جگہیں"}),
        ("zh-Hant", {1: "P附近有 1 個地點", 2: "P附近有 2 個地點"}),
    ],
)
def test_counts_take_the_plural_form_of_each_language(code: str, counts: dict[int, str]) -> None:
    t = Messages(LOCALES[code])
    assert {n: t.plural("results_heading", n, place="P") for n in counts} == counts


def test_a_language_without_a_form_uses_its_own_words_not_englishs() -> None:
    """Bengali's `one` reads like its `other`, so it has no `_one`; English's never fills in."""
    assert "results_heading_one" not in catalogue("bn")
    t = Messages(LOCALES["bn"])
    assert t.plural("results_heading", 1, place="P") == "P-এর কাছে 1টি জায়গা"
    assert t.plural("more_closed", 1).startswith("কাছাকাছি আরও 1টি")
