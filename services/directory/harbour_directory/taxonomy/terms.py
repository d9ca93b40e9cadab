"""Harbour's own HSDS taxonomies: service categories, eligibility and access features.

Terms are identified by a stable `code`; their HSDS ids are derived from the code so that every
installation, export and import agrees on them without a lookup table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NAMESPACE = uuid.UUID("5f2b7c1e-3d1a-4e7b-9a0c-6b8d2e4f1a37")


def term_id(code: str) -> str:
    """The HSDS id of the Harbour taxonomy term with this code."""
    return str(uuid.uuid5(NAMESPACE, f"term:{code}"))


def taxonomy_id(name: str) -> str:
    """The HSDS id of the Harbour taxonomy with this name."""
    return str(uuid.uuid5(NAMESPACE, f"taxonomy:{name}"))


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a Harbour taxonomy."""

    code: str
    en: str
    zh: str
    taxonomy: str

    @property
    def id(self) -> str:
        return term_id(self.code)

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


CATEGORIES = "harbour-categories"
ELIGIBILITY = "harbour-eligibility"
ACCESS = "harbour-access"

TAXONOMIES: dict[str, tuple[str, str]] = {
    CATEGORIES: ("Harbour service categories", "What kind of help a service gives."),
    ELIGIBILITY: (
        "Harbour eligibility",
        "Who a service is for; an attribute's value is yes or no, and no attribute is unknown.",
    ),
    ACCESS: ("Harbour access features", "Physical access of a location; value yes or no."),
}

_CATEGORY_ROWS = [
    ("legal", "Legal help", "法律援助"),
    ("legal.protection-claim", "Non-refoulement claim support", "免遣返聲請支援"),
    ("legal.detention", "Detention and bail", "羈留及擔保"),
    ("legal.documents", "Identity and civil documents", "身份及民事文件"),
    ("medical", "Medical care", "醫療"),
    ("medical.primary-care", "General clinic", "普通科診所"),
    ("medical.dental", "Dental care", "牙科"),
    ("medical.sexual-reproductive", "Sexual and reproductive health", "性及生殖健康"),
    ("medical.torture-documentation", "Medical documentation of torture", "酷刑醫學鑑證"),
    ("housing", "Housing and shelter", "住屋及庇護"),
    ("housing.shelter", "Emergency shelter", "緊急庇護"),
    ("housing.rent", "Rent and housing support", "租金及住屋支援"),
    ("speech-therapy", "Speech therapy", "言語治療"),
    ("mental-health", "Mental health and psychosocial support", "精神健康及心理社交支援"),
    ("mental-health.counselling", "Counselling", "輔導"),
    ("mental-health.trauma", "Trauma therapy", "創傷治療"),
    ("mental-health.peer-support", "Peer support groups", "同路人支援小組"),
    ("social-welfare", "Social welfare", "社會福利"),
    ("social-welfare.casework", "Casework", "個案工作"),
    ("social-welfare.material-aid", "Material aid", "物資援助"),
    ("interpretation", "Interpretation and translation", "傳譯及翻譯"),
    ("food", "Food", "食物"),
    ("food.meals", "Hot meals", "熱餐"),
    ("food.groceries", "Food bank and groceries", "食物銀行及糧食"),
    ("education", "Education", "教育"),
    ("education.language-classes", "Language classes", "語言課程"),
    ("education.schooling", "Schooling for children", "兒童上學支援"),
    ("employment", "Employment and livelihood", "就業及生計"),
    ("employment.skills", "Skills training", "技能培訓"),
    ("children-family", "Children and family", "兒童及家庭"),
    ("children-family.childcare", "Childcare", "託兒服務"),
    ("children-family.parenting", "Parenting support", "親職支援"),
]

_ELIGIBILITY_ROWS = [
    ("immigration", "Immigration status", "入境身份"),
    ("immigration.non-refoulement-claimant", "Non-refoulement claimant", "免遣返聲請人"),
    ("immigration.recognised-refugee", "Recognised refugee", "已確認難民"),
    ("immigration.rejected-claimant", "Claimant whose claim was rejected", "聲請被拒者"),
    ("immigration.hk-resident", "Hong Kong resident", "香港居民"),
    ("gender", "Gender", "性別"),
    ("gender.female", "Women", "女性"),
    ("gender.male", "Men", "男性"),
    ("gender.non-binary", "Non-binary people", "非二元性別人士"),
]

_ACCESS_ROWS = [
    ("access.wheelchair", "Wheelchair accessible", "輪椅通達"),
    ("access.step-free", "Step-free entrance", "無障礙入口"),
]


def _terms(rows: list[tuple[str, str, str]], taxonomy: str, prefix: str = "") -> list[Term]:
    return [Term(prefix + code, en, zh, taxonomy) for code, en, zh in rows]


TERMS: list[Term] = (
    _terms(_CATEGORY_ROWS, CATEGORIES)
    + _terms(_ELIGIBILITY_ROWS, ELIGIBILITY, "eligibility.")
    + _terms(_ACCESS_ROWS, ACCESS)
)
WHEELCHAIR = "access.wheelchair"
BY_CODE: dict[str, Term] = {t.code: t for t in TERMS}
BY_ID: dict[str, Term] = {t.id: t for t in TERMS}
CATEGORY_CODES = frozenset(t.code for t in TERMS if t.taxonomy == CATEGORIES)
IMMIGRATION_STATUSES = frozenset(
    t.code.removeprefix("eligibility.immigration.")
    for t in TERMS
    if t.code.startswith("eligibility.immigration.")
)
GENDERS = frozenset(
    t.code.removeprefix("eligibility.gender.")
    for t in TERMS
    if t.code.startswith("eligibility.gender.")
)


def with_ancestors(code: str) -> list[str]:
    """The code and the codes above it: `legal.detention` → legal, legal.detention."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _terms_of(attributes: Iterable[Mapping[str, Any]]) -> list[tuple[Term, Any]]:
    known = ((BY_ID.get(a["taxonomy_term_id"] or ""), a["value"]) for a in attributes)
    return [(term, value) for term, value in known if term is not None]


def categories(attributes: Iterable[Mapping[str, Any]]) -> list[str]:
    """The category codes a record's HSDS attributes name, sorted."""
    return sorted(term.code for term, _ in _terms_of(attributes) if term.taxonomy == CATEGORIES)


def eligibility(attributes: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Eligibility answers a record's attributes give: group → value → yes or no."""
    answers: dict[str, dict[str, str]] = {}
    for term, value in _terms_of(attributes):
        if term.taxonomy == ELIGIBILITY and value in ("yes", "no"):
            _, group, key = term.code.split(".", 2)
            answers.setdefault(group, {})[key] = value
    return answers


def wheelchair_accessible(attributes: Iterable[Mapping[str, Any]]) -> bool | None:
    """Whether a location's attributes say it is wheelchair accessible (None: they do not say)."""
    said = [value == "yes" for term, value in _terms_of(attributes) if term.code == WHEELCHAIR]
    return said[-1] if said else None


def as_documents() -> list[dict[str, object]]:
    """The Harbour taxonomy terms as HSDS `taxonomy_term` documents (with their taxonomy)."""
    documents: list[dict[str, object]] = []
    for term in TERMS:
        name, description = TAXONOMIES[term.taxonomy]
        parent = {"parent_id": term_id(term.parent_code)} if term.parent_code else {}
        documents.append(
            {
                "id": term.id,
                "code": term.code,
                "name": term.en,
                "description": term.en,
                **parent,
                "taxonomy": term.taxonomy,
                "language": "en",
                "taxonomy_detail": {
                    "id": taxonomy_id(term.taxonomy),
                    "name": name,
                    "description": description,
                    "version": "1",
                },
                "translations": {"zh-Hant": {"name": term.zh, "description": term.zh}},
            }
        )
    return documents
