"""Listing change history: who changed which fields of a listing, and network admins' reverts."""
