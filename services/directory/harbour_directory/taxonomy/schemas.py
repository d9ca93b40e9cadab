"""Response shapes of the taxonomy API (the records are HSDS ones)."""

from __future__ import annotations

from harbour_directory.hsds.schemas import Page, Taxonomy, TaxonomyTerm


class TaxonomyPage(Page):
    """A page of taxonomies."""

    contents: list[Taxonomy]


class TaxonomyTermPage(Page):
    """A page of taxonomy terms."""

    contents: list[TaxonomyTerm]
