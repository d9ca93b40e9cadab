"""Alembic environment of the directory."""

from harbour_directory.models import metadata
from harbour_kit.migrations import run_env

run_env(metadata)
