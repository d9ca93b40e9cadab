"""Notification wording: e-mail subject and bodies, SMS and inbox title, per type and locale.

Templates live beside this module as `<locale>/<type>.<part>.j2`. They see only the referral
reference, a link into Harbour, public service and organisation names, a coded business status,
a deadline and a count: never anything about the person being referred. `organization_name` is
the organisation on the other side (the referring one in notices to the recipient, the receiving
one in notices to the referrer, the listing's own one for `listing.capacity`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

LOCALES = ("en", "zh-Hant")
DEFAULT_LOCALE = "en"
TYPES: tuple[str, ...] = (
    "referral.received",
    "referral.deadline",
    "referral.acknowledged",
    "referral.accepted",
    "referral.rejected",
    "referral.expired",
    "referral.forwarded",
    "referral.completed",
    "referral.failed",
    "referral.cancelled",
    "listing.capacity",
)
DIGEST = "digest"
PARTS = ("subject", "text", "html", "sms", "title")
ONE_LINE_PARTS = frozenset({"subject", "sms", "title"})
TITLE_LIMIT = 120
SMS_LIMITS: Mapping[str, int] = {"en": 160, "zh-Hant": 70}
CONTEXT_FIELDS = frozenset(
    {"reference", "link", "service_name", "organization_name", "business_status", "due_at", "count"}
)
DIGEST_FIELDS = frozenset({"items", "count", "link"})
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
TEMPLATE_DIR = Path(__file__).resolve().parent

REASONS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "no-capacity": "no capacity right now",
        "ineligible": "not eligible for this service",
        "out-of-scope": "outside this service's scope",
        "unreachable": "the person could not be reached",
        "duplicate": "a duplicate of another referral",
        "other": "other (see Harbour for details)",
        "expired": "no response before the deadline",
    },
    "zh-Hant": {
        "no-capacity": "暫時未有名額",
        "ineligible": "不符合服務資格",
        "out-of-scope": "不屬服務範圍",
        "unreachable": "未能聯絡當事人",
        "duplicate": "與另一宗轉介重複",
        "other": "其他，詳情請登入 Harbour 查看",  # noqa: RUF001 (Chinese comma)
        "expired": "未有在限期前回覆",
    },
}

_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZH_WEEKDAYS = "一二三四五六日"
_ZH_OPEN = "\N{FULLWIDTH LEFT PARENTHESIS}"
_ZH_CLOSE = "\N{FULLWIDTH RIGHT PARENTHESIS}"
_CHINESE_REGIONS = frozenset({"hk", "tw", "mo"})
_LINK = re.compile(r"https?://[^\s]+")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class Rendered:
    """One notification in every form it is sent in."""

    locale: str
    subject: str
    text: str
    html: str
    sms: str
    title: str


def locale_for(requested: str | None) -> str:
    """The supported locale for a requested language tag: Chinese ones to zh-Hant, else en."""
    if not requested:
        return DEFAULT_LOCALE
    subtags = requested.strip().lower().replace("_", "-").split("-")
    if subtags[0] != "zh":
        return DEFAULT_LOCALE
    if len(subtags) == 1 or "hant" in subtags[1:]:
        return "zh-Hant"
    return "zh-Hant" if subtags[1] in _CHINESE_REGIONS else DEFAULT_LOCALE


def format_due(value: datetime, locale: str, *, short: bool = False) -> str:
    """A deadline in Hong Kong time, e.g. "Tue 24 Nov, 17:00"; short drops the Chinese weekday."""
    if value.utcoffset() is None:
        raise ValueError("due_at must be timezone-aware")
    local = value.astimezone(HONG_KONG)
    clock = f"{local:%H:%M}"
    if locale == "zh-Hant":
        weekday = "" if short else f"{_ZH_OPEN}{_ZH_WEEKDAYS[local.weekday()]}{_ZH_CLOSE}"
        return f"{local.month}月{local.day}日{weekday}{clock}"
    day = f"{_EN_WEEKDAYS[local.weekday()]} {local.day} {_EN_MONTHS[local.month - 1]}"
    return f"{day}, {clock}"


def reason_phrase(code: str | None, locale: str) -> str:
    """The localised phrase for a business status code; empty for none or an unknown code."""
    if code is None:
        return ""
    return REASONS[locale].get(code, "")


@cache
def environment() -> Environment:
    """The one Jinja2 environment: strict about undefined names, escaping only the HTML parts."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",),
            disabled_extensions=(),
            default_for_string=False,
            default=False,
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["due"] = format_due
    env.filters["reason"] = reason_phrase
    return env


def render(
    kind: str,
    *,
    locale: str | None,
    reference: str,
    link: str,
    service_name: str = "",
    organization_name: str = "",
    business_status: str | None = None,
    due_at: datetime | None = None,
    count: int | None = None,
) -> Rendered:
    """Renders every part of one notification in the best locale for the request."""
    if kind not in TYPES:
        raise ValueError(f"unknown notification type {kind!r}; expected one of {', '.join(TYPES)}")
    if not reference.strip():
        raise ValueError("a notification needs the referral reference")
    if due_at is not None and due_at.utcoffset() is None:
        raise ValueError("due_at must be timezone-aware")
    context: dict[str, Any] = {
        "reference": reference,
        "link": _checked_link(link),
        "service_name": service_name,
        "organization_name": organization_name,
        "business_status": business_status,
        "due_at": due_at,
        "count": count,
    }
    return _render_parts(kind, locale_for(locale), context)


def render_digest(*, locale: str | None, items: Sequence[Mapping[str, str]], link: str) -> Rendered:
    """Renders a digest of new referrals; each item gives a "reference" and a "service_name"."""
    if not items:
        raise ValueError("a digest needs at least one referral")
    entries = [
        {"reference": item["reference"], "service_name": item.get("service_name", "")}
        for item in items
    ]
    if any(not entry["reference"].strip() for entry in entries):
        raise ValueError("every digest item needs a reference")
    context: dict[str, Any] = {"items": entries, "count": len(entries), "link": _checked_link(link)}
    return _render_parts(DIGEST, locale_for(locale), context)


def _checked_link(link: str) -> str:
    """The link, if it is an absolute http(s) URL without whitespace."""
    if not _LINK.fullmatch(link):
        raise ValueError("link must be an absolute http(s) URL")
    return link


def _render_parts(kind: str, locale: str, context: Mapping[str, Any]) -> Rendered:
    """Renders each part of a notification type in one locale and tidies the result."""
    env = environment()
    parts: dict[str, str] = {}
    for part in PARTS:
        output = env.get_template(f"{locale}/{kind}.{part}.j2").render(context)
        if part in ONE_LINE_PARTS:
            output = " ".join(output.split())
        elif part == "text":
            output = _BLANK_LINES.sub("\n\n", output).strip() + "\n"
        else:
            output = output.strip() + "\n"
        parts[part] = output
    return Rendered(
        locale=locale,
        subject=parts["subject"],
        text=parts["text"],
        html=parts["html"],
        sms=parts["sms"],
        title=_fit(parts["title"], TITLE_LIMIT),
    )


def _fit(text: str, limit: int) -> str:
    """Shortens a line to a limit, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
