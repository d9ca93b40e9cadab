"""Relay-style connections: edges with cursors, page info, and a total where one is known."""

from __future__ import annotations

import base64
from typing import Generic, TypeVar

import strawberry

from harbour_gateway.problems import ValidationProblem, invalid

T = TypeVar("T")


@strawberry.type(description="Where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        default=None, description="How many there are in all, where the service says"
    )


def offset_cursor(index: int) -> str:
    """An opaque cursor for the item at `index` of an offset-paged list."""
    return base64.urlsafe_b64encode(f"offset:{index}".encode()).decode()


def offset_after(cursor: str | None) -> int | ValidationProblem:
    """The index just after `cursor` (0 without one)."""
    if cursor is None:
        return 0
    try:
        kind, _, index = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "offset" and index.isdigit():
            return int(index) + 1
    except (ValueError, UnicodeDecodeError):
        pass
    return invalid("after", "is not a cursor this API gave out")


def page_window(start: int, first: int) -> tuple[int, int, int]:
    """The directory page (`page`, `per_page`) holding item `start`, and how many to skip on it.

    With the same `first` on every page the skip is 0; a client that changes `first` midway gets
    a shorter page, never a wrong one.
    """
    return start // first + 1, first, start % first
