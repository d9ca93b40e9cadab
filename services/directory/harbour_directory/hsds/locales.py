"""Translated text: a field in every language it has, and the one to show for a locale."""

from __future__ import annotations

from typing import Any

Translations = dict[str, dict[str, str]]  # locale → field → text

FALLBACK = {
    "zh-Hant-HK": ["zh-Hant-HK", "zh-Hant"],
    "zh-HK": ["zh-Hant-HK", "zh-Hant"],
    "zh": ["zh-Hant"],
}


def texts(row: dict[str, Any], field: str, tr: Translations | None) -> dict[str, str]:
    """A field in every language it has: the record's own text is English."""
    out: dict[str, str] = {}
    if row.get(field):
        out["en"] = str(row[field])
    for locale, fields in (tr or {}).items():
        if fields.get(field):
            out[locale] = fields[field]
    return out


def chain(locale: str | None) -> list[str]:
    """The locales to try for `locale`, ending in English: zh-Hant-HK → zh-Hant → en."""
    if not locale:
        return ["en"]
    tried = FALLBACK.get(locale)
    if tried is None:
        parts = locale.split("-")
        tried = ["-".join(parts[: i + 1]) for i in reversed(range(len(parts)))]
    return [*tried, "en"] if "en" not in tried else tried


def pick(values: dict[str, str], locale: str | None) -> str | None:
    """The text for `locale` by the fallback chain, or any text there is."""
    for candidate in chain(locale):
        if candidate in values:
            return values[candidate]
    return next(iter(values.values()), None)
