"""Alembic environment of the notifications service."""

from harbour_kit.migrations import run_env
from harbour_notifications.models import metadata

run_env(metadata)
