"""UI languages: per-locale JSON message catalogues, negotiation and plural forms, with Babel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import babel
from babel import UnknownLocaleError, negotiate_locale

MESSAGES = Path(__file__).with_name("messages")
CONSOLE = MESSAGES / "console"  # the staff consoles' words, apart from the claimant pages'
DEFAULT_ZONE = "Asia/Hong_Kong"  # where Harbour's staff work, unless their sign-in says otherwise


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
# Any Chinese is read in Traditional characters: it is the Chinese Hong Kong reads.
_ALIASES = {"zh": "zh_Hant"}
# CLDR plural categories a message may have a `key_<form>` variant for; `other` is `key` itself.
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many"})


def _candidates(tag: str) -> list[str]:
    """Babel identifiers to try for one language tag: with its script, then the language alone."""
    try:
        parsed = babel.Locale.parse(tag.strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return []
    if parsed.script:
        return [f"{parsed.language}_{parsed.script}", parsed.language]
    return [parsed.language]


def _by_quality(accept_language: str) -> Iterator[str]:
    """The tags of an `Accept-Language` header, most wanted first (a bad `q` drops its tag)."""
    ranked: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((quality, tag))
    for _, tag in sorted(ranked, key=lambda item: -item[0]):
        yield tag


def negotiate(wanted: str | None, accept_language: str | None) -> Locale:
    """The UI language: the `lang` asked for, else the browser's preference, else English."""
    tags = [wanted or "", *_by_quality(accept_language or "")]
    preferred = [candidate for tag in tags for candidate in _candidates(tag)]
    available = [code.replace("-", "_") for code in LOCALES]
    found = negotiate_locale(preferred, available, aliases=_ALIASES)
    return LOCALES[found.replace("_", "-")] if found else LOCALES[DEFAULT]


def _is_plural_form(key: str) -> bool:
    """Whether a key holds a plural form of another (`results_heading_one`)."""
    return key.rpartition("_")[2] in PLURAL_FORMS


@cache
def catalogue(code: str) -> dict[str, Any]:
    """The messages of one locale, with English filling any gap but not its plural forms.

    A language without a `key_one` says `key` for that count in its own words, not in English.
    """
    english: dict[str, Any] = json.loads((MESSAGES / f"{DEFAULT}.json").read_text("utf-8"))
    if code == DEFAULT:
        return english
    own: dict[str, Any] = json.loads((MESSAGES / f"{code}.json").read_text("utf-8"))
    merged = {**{k: v for k, v in english.items() if not _is_plural_form(k)}, **own}
    for table in ("cat", "lang"):
        merged[table] = {**english[table], **own.get(table, {})}
    return merged


@cache
def console_catalogue(code: str) -> dict[str, str]:
    """The consoles' messages of one locale, with English filling any gap but not plural forms."""
    english: dict[str, str] = json.loads((CONSOLE / f"{DEFAULT}.json").read_text("utf-8"))
    path = CONSOLE / f"{code}.json"
    if code == DEFAULT or not path.exists():
        return english
    own: dict[str, str] = json.loads(path.read_text("utf-8"))
    return {**{k: v for k, v in english.items() if not _is_plural_form(k)}, **own}


@cache
def plural_rules(code: str) -> babel.Locale:
    """The Babel locale whose CLDR plural rules a UI language follows."""
    return babel.Locale.parse(code.replace("-", "_"))


class Messages:
    """Looks up and fills UI strings for one locale: `t("distance_km", n="1.2")`."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.table = catalogue(locale.code)

    def __call__(self, key: str, **values: object) -> str:
        text = str(self.table.get(key, key))
        return text.format(**values) if values else text

    def plural(self, key: str, count: int, **values: object) -> str:
        """The message for a count in the form the language's plural rules ask for.

        `key_one`, `key_few`… hold the forms other than `other`, which is `key` itself.
        """
        form = plural_rules(self.locale.code).plural_form(count)
        chosen = f"{key}_{form}" if form != "other" and f"{key}_{form}" in self.table else key
        return self(chosen, count=count, **values)

    def category(self, code: str, fallback: str) -> str:
        """A category's words in this language, else the directory's name for it."""
        return str(self.table["cat"].get(code, fallback))

    def language(self, code: str) -> str:
        """A spoken language's name in this language."""
        return str(self.table["lang"].get(code, code))

    def console(self, key: str, **values: object) -> str:
        """A console string in this language: `t.console("sent_heading")`."""
        text = console_catalogue(self.locale.code).get(key, key)
        return text.format(**values) if values else text

    def console_page(self) -> dict[str, Any]:
        """What a console's script needs to speak this language: rendered into the page as JSON."""
        return {
            "lang": self.locale.html_lang,
            "contentLocale": self.locale.content_locale,
            "zone": DEFAULT_ZONE,
            "messages": console_catalogue(self.locale.code),
            "categories": self.table["cat"],
            "languages": self.table["lang"],
        }
