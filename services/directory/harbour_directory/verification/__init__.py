"""Listing verification: confirming a listing is still right, stale listings and reminders."""
