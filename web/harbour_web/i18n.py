"""UI languages: per-locale JSON message catalogues, negotiation and lookup."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MESSAGES = Path(__file__).with_name("messages")


@dataclass(frozen=True)
class Locale:
    """A UI language: its code, its own name, writing direction and the directory's locale."""

    code: str
    name: str
    html_lang: str
    direction: str
    content_locale: str  # what the gateway is asked for; the directory falls back to English
    speaks: str | None  # the spoken language a searcher using this UI most likely wants


LOCALES: dict[str, Locale] = {
    locale.code: locale
    for locale in (
        Locale("en", "English", "en", "ltr", "en", None),
        Locale("zh-Hant", "繁體中文", "zh-Hant-HK", "ltr", "zh-Hant-HK", None),
        Locale("ur", "اردو", "ur", "rtl", "ur", "ur"),
        Locale("bn", "বাংলা", "bn", "ltr", "bn", "bn"),
        Locale("fr", "Français", "fr", "ltr", "fr", "fr"),
    )
}
DEFAULT = "en"
# Other spellings of a language a browser or a link may use.
_ALIASES = {"zh": "zh-Hant", "zh-hk": "zh-Hant", "zh-tw": "zh-Hant", "zh-hant-hk": "zh-Hant"}


def _match(tag: str) -> str | None:
    tag = tag.strip().lower()
    if not tag:
        return None
    for code in LOCALES:
        if code.lower() == tag:
            return code
    if tag in _ALIASES:
        return _ALIASES[tag]
    base = tag.split("-", 1)[0]
    if base == "zh":
        return "zh-Hant"  # Traditional Chinese is the Chinese Hong Kong reads
    return base if base in LOCALES else None


def negotiate(wanted: str | None, accept_language: str | None) -> Locale:
    """The UI language: the `lang` asked for, else the browser's preference, else English."""
    if wanted and (code := _match(wanted)):
        return LOCALES[code]
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((quality, tag))
    for _, tag in sorted(ranked, key=lambda item: -item[0]):
        if code := _match(tag):
            return LOCALES[code]
    return LOCALES[DEFAULT]


@cache
def catalogue(code: str) -> dict[str, Any]:
    """The messages of one locale, with English filling any gap."""
    english: dict[str, Any] = json.loads((MESSAGES / f"{DEFAULT}.json").read_text("utf-8"))
    if code == DEFAULT:
        return english
    own: dict[str, Any] = json.loads((MESSAGES / f"{code}.json").read_text("utf-8"))
    merged = {**english, **own}
    for table in ("cat", "lang"):
        merged[table] = {**english[table], **own.get(table, {})}
    return merged


class Messages:
    """Looks up and fills UI strings for one locale: `t("distance_km", n="1.2")`."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.table = catalogue(locale.code)

    def __call__(self, key: str, **values: object) -> str:
        text = str(self.table.get(key, key))
        return text.format(**values) if values else text

    def category(self, code: str, fallback: str) -> str:
        """A category's words in this language, else the directory's name for it."""
        return str(self.table["cat"].get(code, fallback))

    def language(self, code: str) -> str:
        """A spoken language's name in this language."""
        return str(self.table["lang"].get(code, code))
