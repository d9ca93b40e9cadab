"""Referrals: the lifecycle over HTTP, with consent, minimal sharing and audit."""
