"""Harbour on the web: find help near me, and the consoles for social workers and partners."""
