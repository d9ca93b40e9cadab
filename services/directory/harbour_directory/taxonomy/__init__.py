"""Taxonomies: Harbour's own terms, written at start-up, and the HSDS taxonomy API."""
