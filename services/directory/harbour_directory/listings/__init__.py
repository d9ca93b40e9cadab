"""Changing the directory: org admins' edits, network admins' imports, and their events."""
