"""Response shapes of the taxonomy API (the records are HSDS ones) and its term paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from harbour_directory.hsds.schemas import (
    Format,
    ListPage,
    Page,
    PageAlias,
    Paging,
    Taxonomy,
    TaxonomyTerm,
)
from harbour_kit.errors import ValidationFailed

MAX_TERMS = 500  # a page of terms: every Harbour taxonomy in one call
TERMS_PER_PAGE = 100


TermsPerPage = Annotated[
    int | None,
    Query(ge=1, le=MAX_TERMS, description=f"Items per page: up to {MAX_TERMS} (default 100)"),
]


@dataclass
class TermPaging:
    """Paging of taxonomy terms: as other HSDS lists (`Paging`), with up to 500 terms a page."""

    page: ListPage = None
    page_number: PageAlias = None
    per_page: TermsPerPage = None
    format: Format = "json"

    @property
    def streamed(self) -> bool:
        """Every match as ndjson lines rather than one page."""
        return self.format == "ndjson"

    def checked(self) -> tuple[int, int]:
        """The page number and size asked for; a 422 naming each parameter that cannot apply."""
        if self.streamed and self.per_page is not None:
            raise ValidationFailed(
                "The list has parameters that cannot apply.",
                errors=[
                    {
                        "field": "per_page",
                        "message": "format=ndjson streams every match, without pages",
                    }
                ],
            )
        number, _ = Paging(self.page, self.page_number, None, self.format).checked()
        return number, self.per_page or TERMS_PER_PAGE


class TaxonomyPage(Page):
    """A page of taxonomies."""

    contents: list[Taxonomy]


class TaxonomyTermPage(Page):
    """A page of taxonomy terms."""

    contents: list[TaxonomyTerm]
