"""Webhooks to partner systems: endpoints, their secrets, signing and where they may go."""
