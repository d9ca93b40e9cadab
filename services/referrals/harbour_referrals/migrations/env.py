"""Alembic environment of the referrals service."""

from harbour_kit.migrations import run_env
from harbour_referrals.models import metadata

run_env(metadata)
