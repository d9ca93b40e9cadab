"""Webhooks to partner systems: signing, endpoints and delivery."""
