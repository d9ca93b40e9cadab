"""Listings: organisations and their services, as org admins maintain them."""
