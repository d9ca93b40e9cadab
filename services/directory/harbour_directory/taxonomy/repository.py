"""Every query on taxonomies and their terms."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.models import HSDS
from harbour_kit.db import execute


async def count_terms(*, session: AsyncSession, ids: Sequence[str]) -> int:
    """How many of these taxonomy terms are stored."""
    terms = HSDS["taxonomy_term"]
    query = select(func.count()).where(terms.c.id.in_(ids))
    return int((await execute(session, query)).scalar_one())


def term_filters(
    *, taxonomy_id: str | None, parent_id: str | None, top_only: bool
) -> list[ColumnElement[bool]]:
    """What a page of terms keeps: one taxonomy, one parent's children, or the top level."""
    term = HSDS["taxonomy_term"]
    where: list[ColumnElement[bool]] = []
    if taxonomy_id:
        where.append(term.c.taxonomy_id == taxonomy_id)
    if parent_id:
        where.append(term.c.parent_id == parent_id)
    if top_only:
        where.append(term.c.parent_id.is_(None))
    return where
