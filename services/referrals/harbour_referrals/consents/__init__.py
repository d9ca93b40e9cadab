"""Claimants and their consents, recorded by the referrer's organisation."""
