"""Geosearch: the search projection, its queries, the result cards and place autocomplete."""
