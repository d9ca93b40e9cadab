"""Geosearch: the search projection, its queries and the result cards."""

from harbour_directory.search.results import run

__all__ = ["run"]
