"""Every query on taxonomies and their terms."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds.repository import text_matches
from harbour_directory.models import HSDS
from harbour_kit.db import execute


async def count_terms(*, session: AsyncSession, ids: Sequence[str]) -> int:
    """How many of these taxonomy terms are stored."""
    terms = HSDS["taxonomy_term"]
    query = select(func.count()).where(terms.c.id.in_(ids))
    return int((await execute(session, query)).scalar_one())


def taxonomy_filters(*, words: str | None) -> list[ColumnElement[bool]]:
    """What a page of taxonomies keeps: every word in the name or description, any language."""
    return text_matches("taxonomy", words)


def term_filters(
    *, taxonomy_id: str | None, parent_id: str | None, top_only: bool, words: str | None
) -> list[ColumnElement[bool]]:
    """What a page of terms keeps: one taxonomy, one parent's children or the top level, words."""
    term = HSDS["taxonomy_term"]
    where: list[ColumnElement[bool]] = text_matches("taxonomy_term", words)
    if taxonomy_id:
        where.append(term.c.taxonomy_id == taxonomy_id)
    if parent_id:
        where.append(term.c.parent_id == parent_id)
    if top_only:
        where.append(term.c.parent_id.is_(None))
    return where
