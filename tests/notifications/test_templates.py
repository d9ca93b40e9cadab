"""Notification wording: every type and locale renders, fits its channel and leaks nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from jinja2 import UndefinedError, meta

from harbour_notifications.templates import (
    CONTEXT_FIELDS,
    DIGEST,
    DIGEST_FIELDS,
    LOCALES,
    PARTS,
    REASONS,
    SMS_LIMITS,
    TEMPLATE_DIR,
    TITLE_LIMIT,
    TYPES,
    Rendered,
    environment,
    format_due,
    locale_for,
    reason_phrase,
    render,
    render_digest,
    render_title,
    stored_wording,
)

REFERENCE = "R-8F3KQ2"
LINK = "https://harbour.example.org/r/8F3KQ2abcd"
DUE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 17:00 on Tuesday in Hong Kong
STATUSES: tuple[str | None, ...] = (None, *sorted(REASONS["en"]))
# CLDR's own patterns for Hong Kong (en_HK "E, d MMM" and "HH:mm"; zh_Hant_HK "M月d日E HH:mm").
EN_DUE = "Tue, 24 Nov, 17:00"
ZH_DUE = "11月24日週二 17:00"
ZH_DUE_SHORT = "11月24日 17:00"
ZH_COLON = "\N{FULLWIDTH COLON}"
HAN = re.compile(r"[\u4e00-\u9fff]")
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
TEMPLATE_SYNTAX = ("{{", "}}", "{%", "%}", "{#", "#}")


def full(kind: str, locale: str | None, **overrides: Any) -> Rendered:
    """Renders a notification with every field filled in."""
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "link": LINK,
        "service_name": "Legal Advice Clinic",
        "organization_name": "Harbour Care",
        "business_status": "no-capacity",
        "due_at": DUE,
        "count": 3,
    }
    fields.update(overrides)
    return render(kind, locale=locale, **fields)


def parts_of(rendered: Rendered) -> dict[str, str]:
    """The rendered parts by name."""
    return {part: getattr(rendered, part) for part in PARTS}


def test_the_link_used_in_sms_checks_is_forty_characters() -> None:
    """The SMS budget is tested against the longest link the channel promises to carry."""
    assert len(LINK) == 40


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", [*TYPES, DIGEST])
def test_every_template_file_exists(kind: str, locale: str) -> None:
    """Each type has all five parts in both locales."""
    for part in PARTS:
        assert (TEMPLATE_DIR / locale / f"{kind}.{part}.j2").is_file()


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", TYPES)
def test_every_type_renders_every_part(kind: str, locale: str) -> None:
    """All parts render, one-line parts are one line, and the reference and link are present."""
    for rendered in (
        full(kind, locale),
        render(kind, locale=locale, reference=REFERENCE, link=LINK),
    ):
        assert rendered.locale == locale
        for part, value in parts_of(rendered).items():
            assert value.strip(), part
        for line in (rendered.subject, rendered.sms, rendered.title):
            assert "\n" not in line and line == line.strip()
        assert len(rendered.title) <= TITLE_LIMIT
        assert REFERENCE in rendered.subject or REFERENCE in rendered.text
        assert REFERENCE in rendered.sms and rendered.sms.endswith(LINK)
        assert LINK in rendered.text and f'href="{LINK}"' in rendered.html
        assert rendered.html.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("zh-Hant-HK", "zh-Hant"),
        ("zh-Hant", "zh-Hant"),
        ("zh-hant-tw", "zh-Hant"),
        ("zh_Hant_HK", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh-MO", "zh-Hant"),
        ("zh", "zh-Hant"),
        (" ZH-hk ", "zh-Hant"),
        ("en", "en"),
        ("en-GB", "en"),
        ("en-HK", "en"),
        ("zh-CN", "en"),
        ("zh-Hans", "en"),
        ("fr-FR", "en"),
        ("ur", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_locale_fallback_chain(requested: str | None, expected: str) -> None:
    """Traditional Chinese tags resolve to zh-Hant; everything else to English."""
    assert locale_for(requested) == expected


@pytest.mark.parametrize("requested", ["fr", "ar-EG", "zh-CN", None])
def test_unknown_locale_renders_english(requested: str | None) -> None:
    """An unsupported locale gets the English wording and says so."""
    rendered = full("referral.received", requested)
    assert rendered.locale == "en"
    assert parts_of(rendered) == parts_of(full("referral.received", "en"))


@pytest.mark.parametrize("kind", TYPES)
def test_chinese_wording_is_chinese_and_english_is_not(kind: str) -> None:
    """Every zh-Hant part contains Chinese characters; no English part does."""
    for part, value in parts_of(full(kind, "zh-HK")).items():
        assert HAN.search(value), part
    for part, value in parts_of(full(kind, "en")).items():
        assert not HAN.search(value), part


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", TYPES)
def test_sms_fits_one_segment(kind: str, locale: str) -> None:
    """zh-Hant SMS fit one UCS-2 segment, English ones one GSM-7 segment, with a 40-char link."""
    dues = (None, DUE, datetime(2026, 12, 30, 16, 59, tzinfo=UTC))
    listing = (REFERENCE, "S-1A2B3C4D") if kind == "listing.capacity" else (REFERENCE,)
    for reference in listing:
        for business_status in STATUSES:
            for due_at in dues:
                sms = full(
                    kind,
                    locale,
                    reference=reference,
                    business_status=business_status,
                    due_at=due_at,
                    service_name="A service with a rather long public name " * 3,
                    organization_name="An organisation with a long name " * 3,
                ).sms
                assert len(sms) <= SMS_LIMITS[locale], (len(sms), sms)
                if locale == "en":
                    assert set(sms) <= GSM7_BASIC, set(sms) - GSM7_BASIC
                else:
                    assert all(ord(char) < 0x10000 for char in sms)


@pytest.mark.parametrize("count", [1, 9, 120])
def test_digest_sms_fits_one_segment(count: int) -> None:
    """A digest SMS fits one segment however many referrals it counts."""
    items = [
        {"reference": f"R-{n:06d}", "service_name": "Legal Advice Clinic"} for n in range(count)
    ]
    for locale in LOCALES:
        sms = render_digest(locale=locale, items=items, link=LINK).sms
        assert len(sms) <= SMS_LIMITS[locale], sms
        assert str(count) in sms and sms.endswith(LINK)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", TYPES)
def test_html_escapes_names(kind: str, locale: str) -> None:
    """Service and organisation names are escaped in HTML and kept literal in plain text."""
    rendered = full(
        kind,
        locale,
        service_name="<script>alert(1)</script>",
        organization_name='Tom & Jerry "Care"',
    )
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "Tom & Jerry" not in rendered.html
    if "<script>" in rendered.text:
        assert "&lt;" not in rendered.text


def test_html_escaping_is_visible_where_the_service_is_named() -> None:
    """The escaped service name really is in the HTML body."""
    html = full("referral.received", "en", service_name="<b>Clinic</b>").html
    assert "&lt;b&gt;Clinic&lt;/b&gt;" in html


@pytest.mark.parametrize("locale", LOCALES)
def test_one_line_parts_collapse_line_breaks(locale: str) -> None:
    """A name with line breaks cannot add lines (or mail headers) to a subject."""
    rendered = full("referral.received", locale, service_name="Legal\r\nBcc: x@example.org")
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert "\n" not in rendered.title


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", TYPES)
def test_title_is_cut_to_the_inbox_limit(kind: str, locale: str) -> None:
    """A very long service or organisation name never pushes the title past 120 characters."""
    title = full(kind, locale, service_name="S" * 300, organization_name="O" * 300).title
    assert len(title) <= TITLE_LIMIT


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("code", sorted(REASONS["en"]))
def test_reason_codes_become_phrases(code: str, locale: str) -> None:
    """A decline shows the localised reason, never the raw code."""
    rendered = full("referral.rejected", locale, business_status=code)
    phrase = reason_phrase(code, locale)
    assert phrase and phrase in rendered.text and phrase in rendered.title
    if "-" in code:
        for value in parts_of(rendered).values():
            assert code not in value


@pytest.mark.parametrize("locale", LOCALES)
def test_unknown_or_missing_reason_is_left_out(locale: str) -> None:
    """A code without a phrase is not echoed; the notice just has no reason line."""
    odd = full("referral.rejected", locale, business_status="mystery-code")
    none = full("referral.rejected", locale, business_status=None)
    assert parts_of(odd) == parts_of(none)
    assert "mystery-code" not in odd.text
    assert reason_phrase(None, locale) == ""


def test_deadline_is_shown_in_hong_kong_time() -> None:
    """Deadlines are written in Hong Kong local time, whatever zone they come in."""
    assert format_due(DUE, "en") == EN_DUE
    assert format_due(DUE, "zh-Hant") == ZH_DUE
    assert format_due(DUE, "zh-Hant", short=True) == ZH_DUE_SHORT
    new_york = DUE.astimezone(timezone(timedelta(hours=-5)))
    assert format_due(new_york, "en") == EN_DUE
    assert format_due(datetime(2027, 1, 3, 16, 30, tzinfo=UTC), "en") == "Mon, 4 Jan, 00:30"
    en = full("referral.deadline", "en")
    zh = full("referral.deadline", "zh-Hant")
    assert EN_DUE in en.subject and EN_DUE in en.sms
    assert ZH_DUE in zh.subject and ZH_DUE_SHORT in zh.sms


def test_naive_deadline_is_refused() -> None:
    """A deadline without a time zone cannot be placed in Hong Kong time."""
    with pytest.raises(ValueError, match="timezone-aware"):
        full("referral.deadline", "en", due_at=datetime(2026, 11, 24, 17, 0))


def test_unknown_type_is_refused() -> None:
    """Asking for a type without templates is an error that names the type."""
    with pytest.raises(ValueError, match=r"referral\.teleported"):
        full("referral.teleported", "en")


@pytest.mark.parametrize("link", ["javascript:alert(1)", "/relative/path", "https://a b.example"])
def test_link_must_be_absolute_http(link: str) -> None:
    """Only absolute http(s) links are put in buttons and messages."""
    with pytest.raises(ValueError, match="link"):
        full("referral.received", "en", link=link)


def test_render_accepts_no_other_data() -> None:
    """There is no way to hand a template a claimant's details."""
    fields: dict[str, Any] = {
        "locale": "en",
        "reference": REFERENCE,
        "link": LINK,
        "claimant_name": "Jane Doe",
    }
    with pytest.raises(TypeError):
        render("referral.received", **fields)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", TYPES)
def test_planted_markers_show_nothing_else_leaks(kind: str, locale: str) -> None:
    """With markers in every field, output holds only markers, wording and no template residue."""
    markers = {
        "reference": "R-MARKREF",
        "link": "https://harbour.example.org/MARKLINK",
        "service_name": "MARKSERVICE",
        "organization_name": "MARKORG",
    }
    for business_status in ("MARKSTATUS", None):
        for due_at in (DUE, None):
            rendered = full(
                kind, locale, business_status=business_status, due_at=due_at, count=None, **markers
            )
            for part, value in parts_of(rendered).items():
                for residue in (*TEMPLATE_SYNTAX, "None", "Undefined", "MARKSTATUS"):
                    assert residue not in value, (part, residue)
                assert set(re.findall(r"MARK[A-Z]+", value)) <= {
                    "MARKREF",
                    "MARKLINK",
                    "MARKSERVICE",
                    "MARKORG",
                }
                assert "MARKREF" in rendered.sms and "MARKLINK" in rendered.sms


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", [*TYPES, DIGEST])
def test_templates_only_use_allowed_names(kind: str, locale: str) -> None:
    """No template refers to anything beyond the allowed context fields."""
    env = environment()
    allowed = DIGEST_FIELDS if kind == DIGEST else CONTEXT_FIELDS
    assert env.loader is not None
    for part in PARTS:
        source, _, _ = env.loader.get_source(env, f"{locale}/{kind}.{part}.j2")
        assert meta.find_undeclared_variables(env.parse(source)) <= allowed, part


def test_undefined_names_fail_loudly() -> None:
    """The environment refuses to render a name it was not given."""
    env = environment()
    assert env is environment()
    with pytest.raises(UndefinedError):
        env.from_string("Hello {{ claimant_name }}").render(reference=REFERENCE)
    with pytest.raises(UndefinedError):
        env.from_string("{{ reference.claimant.name }}").render(reference=REFERENCE)


def test_autoescaping_applies_to_html_parts_only() -> None:
    """HTML templates escape values; plain text, SMS and string templates do not."""
    env = environment()
    assert env.from_string("{{ name }}").render(name="<b>") == "<b>"
    assert full("referral.received", "en", service_name="A <b> & c").text.count("A <b> & c") == 1
    assert "A &lt;b&gt; &amp; c" in full("referral.received", "en", service_name="A <b> & c").html


@pytest.mark.parametrize("locale", LOCALES)
def test_digest_lists_references_and_count(locale: str) -> None:
    """The digest counts the new referrals and lists each reference and service."""
    items = [
        {"reference": "R-AAAAAA", "service_name": "Legal Advice Clinic", "claimant": "Jane Doe"},
        {"reference": "R-BBBBBB", "service_name": ""},
        {"reference": "R-CCCCCC", "service_name": "<i>Shelter</i>"},
    ]
    rendered = render_digest(locale=locale, items=items, link=LINK)
    assert rendered.locale == locale
    assert "3" in rendered.subject and "3" in rendered.title and "3" in rendered.sms
    for item in items:
        assert item["reference"] in rendered.text and item["reference"] in rendered.html
    assert "Legal Advice Clinic" in rendered.text and "<i>Shelter</i>" in rendered.text
    assert "&lt;i&gt;Shelter&lt;/i&gt;" in rendered.html
    for value in parts_of(rendered).values():
        assert "Jane Doe" not in value
        for residue in (*TEMPLATE_SYNTAX, "None"):
            assert residue not in value
    if locale == "zh-Hant":
        assert all(HAN.search(value) for value in parts_of(rendered).values())


def test_digest_of_one_is_singular() -> None:
    """One new referral is not written as "1 new referrals"."""
    rendered = render_digest(locale="en-GB", items=[{"reference": REFERENCE}], link=LINK)
    assert rendered.subject == "1 new referral waiting for you"
    assert "1 new referral waiting" in rendered.sms
    assert "A new referral has arrived" in rendered.text


def test_empty_digest_is_refused() -> None:
    """There is nothing to send for no referrals."""
    with pytest.raises(ValueError, match="at least one"):
        render_digest(locale="en", items=[], link=LINK)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", TYPES)
def test_a_title_alone_is_the_title_of_the_whole_notice(kind: str, locale: str) -> None:
    """The inbox renders only the title; it reads as in the full notice."""
    fields: dict[str, Any] = {
        "service_name": "Legal Advice Clinic",
        "organization_name": "Harbour Care",
        "business_status": "no-capacity",
        "due_at": DUE,
    }
    title = render_title(kind, locale=locale, reference=REFERENCE, **fields)
    assert title == render(kind, locale=locale, reference=REFERENCE, link=LINK, **fields).title


@pytest.mark.parametrize(
    ("kind", "accepting", "english", "chinese"),
    [
        (
            "listing.published",
            None,
            "Your listing is live: Clinic",
            f"你的服務已刊登{ZH_COLON}Clinic",
        ),
        (
            "listing.updated",
            None,
            "Your listing changed: Clinic",
            f"你的服務資料已更新{ZH_COLON}Clinic",
        ),
        ("listing.capacity", True, "Clinic is now taking referrals", "「Clinic」現正接收轉介"),
        ("listing.capacity", False, "Clinic is now not taking referrals", "「Clinic」暫停接收轉介"),
    ],
)
def test_listing_titles_in_both_languages(
    kind: str, accepting: bool | None, english: str, chinese: str
) -> None:
    """A listing's own notices have a title in each locale."""
    wording = stored_wording({"service_name": "Clinic", "accepting_referrals": accepting})
    assert render_title(kind, locale="en", reference="S-1A2B3C4D", **wording) == english
    assert render_title(kind, locale="zh-HK", reference="S-1A2B3C4D", **wording) == chinese


def test_stored_wording_reads_what_a_json_column_keeps() -> None:
    """Dates come back as aware datetimes; what is not wording, or not of its type, is left out."""
    wording = stored_wording(
        {"due_at": DUE.isoformat(), "business_status": 3, "urgency": "urgent", "service_name": None}
    )
    assert wording["due_at"] == DUE and wording["business_status"] is None
    assert wording["service_name"] == "" and "urgency" not in wording
    with pytest.raises(ValueError, match="no title"):
        render_title("referral.teleported", locale="en", reference=REFERENCE)


@pytest.mark.parametrize(("count", "english"), [(1, "1 new referral"), (2, "2 new referrals")])
def test_digest_counts_follow_each_languages_plural_rules(count: int, english: str) -> None:
    """English has a singular; Chinese has one form for every count."""
    items = [{"reference": f"R-{n:06d}"} for n in range(count)]
    assert render_digest(locale="en", items=items, link=LINK).title.startswith(english)
    chinese = render_digest(locale="zh-Hant", items=items, link=LINK).title
    assert chinese == f"你有{count}宗新轉介待處理"
