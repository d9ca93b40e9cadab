"""encrypt webhook secrets

Each stored webhook secret (`secret`) becomes `secret_enc`, an AES-GCM token under the
notifications encryption keys (`NOTIFICATIONS_ENCRYPTION_KEYS`, or the embedded default's key
file), bound to its endpoint and secret id. The keys are read only when there is a secret to
convert, so run this with the same settings as the service.

Revision ID: 29522a9bc5bc
Revises: 9af3b79e9170
Create Date: 2026-12-02 02:31:12.503370
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from harbour_kit.crypto import FieldCipher
from harbour_notifications.runtime import cipher_from
from harbour_notifications.settings import NotificationsSettings
from harbour_notifications.webhooks.secrets import context

revision: str = '29522a9bc5bc'
down_revision: str | None = '9af3b79e9170'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

endpoints = sa.table("webhook_endpoint", sa.column("id", sa.String()), sa.column("secrets", sa.JSON()))
Convert = Callable[[FieldCipher, str, dict[str, Any]], dict[str, Any]]


def _rewrite(field: str, convert: Convert) -> None:
    """Converts every secret record holding `field`, endpoint by endpoint."""
    bind = op.get_bind()
    cipher: FieldCipher | None = None
    for endpoint_id, records in bind.execute(sa.select(endpoints.c.id, endpoints.c.secrets)).all():
        if not any(field in record for record in records or []):
            continue
        cipher = cipher or cipher_from(NotificationsSettings())
        changed = [convert(cipher, endpoint_id, r) if field in r else r for r in records]
        bind.execute(endpoints.update().where(endpoints.c.id == endpoint_id).values(secrets=changed))


def _encrypt(cipher: FieldCipher, endpoint_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """A plain record as it is stored now."""
    kept = {k: v for k, v in record.items() if k != "secret"}
    token = cipher.encrypt(record["secret"], context=context(endpoint_id, record["id"]))
    return {**kept, "secret_enc": token}


def _decrypt(cipher: FieldCipher, endpoint_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """An encrypted record as the previous revision stored it."""
    kept = {k: v for k, v in record.items() if k != "secret_enc"}
    secret = cipher.decrypt(record["secret_enc"], context=context(endpoint_id, record["id"]))
    return {**kept, "secret": secret}


def upgrade() -> None:
    _rewrite("secret", _encrypt)


def downgrade() -> None:
    _rewrite("secret_enc", _decrypt)
