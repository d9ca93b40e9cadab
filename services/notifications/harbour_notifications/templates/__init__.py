"""Notification wording: e-mail subject and bodies, SMS and inbox title, per type and locale.

Templates live beside this module as `<locale>/<type>.<part>.j2`. They see only the referral
reference, a link into Harbour, public service and organisation names, a coded business status,
a deadline, a count and whether a listing takes referrals: never anything about the person being
referred. Babel negotiates the locale, writes dates in Hong Kong time in the locale's own pattern,
and picks plural forms by the locale's CLDR rules (the `plural` filter). `organization_name` is
the organisation on the other side (the referring one in notices to the recipient, the receiving
one in notices to the referrer, the listing's own one for `listing.capacity`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypedDict, Unpack
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

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
# Notices told only in the inbox, so they have a title and nothing else.
TITLE_ONLY_TYPES: tuple[str, ...] = (
    "listing.published",
    "listing.updated",
    "listing.verification",
    "listing.report",
)
DIGEST = "digest"
PARTS = ("subject", "text", "html", "sms", "title")
ONE_LINE_PARTS = frozenset({"subject", "sms", "title"})
TITLE_LIMIT = 120
SMS_LIMITS: Mapping[str, int] = {"en": 160, "zh-Hant": 70}
CONTEXT_FIELDS = frozenset(
    {
        "reference",
        "link",
        "service_name",
        "organization_name",
        "business_status",
        "due_at",
        "count",
        "accepting_referrals",
        "assured_date",
        "report_kind",
    }
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

# The Babel locale each supported locale is written in: Hong Kong's conventions for both.
BABEL_LOCALES: Mapping[str, str] = {"en": "en_HK", "zh-Hant": "zh_Hant_HK"}
# Plain "zh" is Traditional Chinese here: it is the Chinese Hong Kong reads.
_ALIASES = {"zh": "zh_Hant"}
_LINK = re.compile(r"https?://[^\s]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class Wording(TypedDict, total=False):
    """What a notice may say besides its reference: public names, a coded status, a deadline."""

    service_name: str
    organization_name: str
    business_status: str | None
    due_at: datetime | None
    accepting_referrals: bool | None
    assured_date: date | None
    report_kind: str | None


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
    """The supported locale for a language tag by Babel's negotiation (zh-HK → zh-Hant), else en."""
    try:
        wanted = Locale.parse((requested or "").strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return DEFAULT_LOCALE
    tag = f"{wanted.language}_{wanted.script}" if wanted.script else wanted.language
    found = negotiate_locale([tag], [code.replace("-", "_") for code in LOCALES], aliases=_ALIASES)
    return found.replace("_", "-") if found else DEFAULT_LOCALE


@cache
def babel_locale(locale: str) -> Locale:
    """The Babel locale a supported locale is written in."""
    return Locale.parse(BABEL_LOCALES[locale])


@cache
def _due_pattern(locale: str, *, short: bool) -> str:
    """The locale's own date-and-time pattern for a deadline; short leaves out the weekday."""
    where = babel_locale(locale)
    day = where.datetime_skeletons["MMMd" if short else "MMMEd"].pattern
    clock = where.datetime_skeletons["Hm"].pattern
    return str(where.datetime_formats["medium"]).format(clock, day)


def format_due(value: datetime, locale: str, *, short: bool = False) -> str:
    """A deadline in Hong Kong time, e.g. "Tue, 24 Nov, 17:00" or "11月24日週二 17:00"."""
    if value.utcoffset() is None:
        raise ValueError("due_at must be timezone-aware")
    pattern = _due_pattern(locale, short=short)
    return format_datetime(value, pattern, tzinfo=HONG_KONG, locale=babel_locale(locale))


def format_checked(value: date, locale: str) -> str:
    """A day a listing was checked, in the locale's medium form ("12 May 2026", "2026年5月12日")."""
    return format_date(value, format="medium", locale=babel_locale(locale))


def plural(count: int, locale: str, **forms: str) -> str:
    """The form of a phrase for `count` by the locale's CLDR plural rules (`one`, `other`…)."""
    return forms.get(babel_locale(locale).plural_form(count), forms["other"])


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
    env.filters["plural"] = plural
    env.filters["checked"] = format_checked
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
    accepting_referrals: bool | None = None,
    assured_date: date | None = None,
    report_kind: str | None = None,
    parts: Collection[str] = PARTS,
) -> Rendered:
    """Renders the parts of one notification (every one unless `parts` says) in the best
    locale for the request; a part left out is empty."""
    if kind not in TYPES:
        raise ValueError(f"unknown notification type {kind!r}; expected one of {', '.join(TYPES)}")
    context = _context(
        reference=reference,
        service_name=service_name,
        organization_name=organization_name,
        business_status=business_status,
        due_at=due_at,
        count=count,
        accepting_referrals=accepting_referrals,
        assured_date=assured_date,
        report_kind=report_kind,
    )
    context["link"] = _checked_link(link)
    return _render_parts(kind, locale_for(locale), context, parts)


def render_title(
    kind: str, *, locale: str | None, reference: str, **fields: Unpack[Wording]
) -> str:
    """Renders only the inbox title of a notification type or of a listing's own notice."""
    if kind not in (*TYPES, *TITLE_ONLY_TYPES):
        raise ValueError(f"no title for notification type {kind!r}")
    context = _context(reference=reference, count=None, **fields)
    return fit_title(_render_part(kind, locale_for(locale), "title", context))


def stored_wording(stored: Mapping[str, Any]) -> Wording:
    """The wording kept in a JSON column (`due_at` as ISO 8601), as `render` takes it."""
    due_at, status = stored.get("due_at"), stored.get("business_status")
    accepting, checked = stored.get("accepting_referrals"), stored.get("assured_date")
    report_kind = stored.get("report_kind")
    return Wording(
        service_name=str(stored.get("service_name") or ""),
        organization_name=str(stored.get("organization_name") or ""),
        business_status=status if isinstance(status, str) else None,
        due_at=datetime.fromisoformat(due_at) if isinstance(due_at, str) else None,
        accepting_referrals=accepting if isinstance(accepting, bool) else None,
        assured_date=date.fromisoformat(checked) if isinstance(checked, str) else None,
        report_kind=report_kind if isinstance(report_kind, str) else None,
    )


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


def fit_title(title: str) -> str:
    """Shortens a title to the inbox's limit, marking the cut with an ellipsis."""
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1].rstrip() + "…"


def _context(
    *,
    reference: str,
    count: int | None,
    service_name: str = "",
    organization_name: str = "",
    business_status: str | None = None,
    due_at: datetime | None = None,
    accepting_referrals: bool | None = None,
    assured_date: date | None = None,
    report_kind: str | None = None,
) -> dict[str, Any]:
    """The fields a notification's templates see, checked."""
    if not reference.strip():
        raise ValueError("a notification needs the referral reference")
    if due_at is not None and due_at.utcoffset() is None:
        raise ValueError("due_at must be timezone-aware")
    return {
        "reference": reference,
        "service_name": service_name,
        "organization_name": organization_name,
        "business_status": business_status,
        "due_at": due_at,
        "count": count,
        "accepting_referrals": accepting_referrals,
        "assured_date": assured_date,
        "report_kind": report_kind,
    }


def _checked_link(link: str) -> str:
    """The link, if it is an absolute http(s) URL without whitespace."""
    if not _LINK.fullmatch(link):
        raise ValueError("link must be an absolute http(s) URL")
    return link


@cache
def _template(name: str) -> Template:
    """A template, loaded and compiled once."""
    return environment().get_template(name)


def _render_part(kind: str, locale: str, part: str, context: Mapping[str, Any]) -> str:
    """Renders one part of a notification type in one locale and tidies it."""
    output = _template(f"{locale}/{kind}.{part}.j2").render(context)
    if part in ONE_LINE_PARTS:
        return " ".join(output.split())
    if part == "text":
        return _BLANK_LINES.sub("\n\n", output).strip() + "\n"
    return output.strip() + "\n"


def _render_parts(
    kind: str, locale: str, context: Mapping[str, Any], wanted: Collection[str] = PARTS
) -> Rendered:
    """Renders the wanted parts of a notification type in one locale (the others empty)."""
    parts = {
        part: _render_part(kind, locale, part, context) if part in wanted else "" for part in PARTS
    }
    return Rendered(
        locale=locale,
        subject=parts["subject"],
        text=parts["text"],
        html=parts["html"],
        sms=parts["sms"],
        title=fit_title(parts["title"]),
    )
