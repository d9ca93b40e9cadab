"""Webhook signing secrets at rest: each one encrypted, bound to its endpoint and secret id.

An endpoint's `secrets` holds `{id, secret_enc, created_at, expires_at?}` records; the plain
secret is shown once, when it is made, and decrypted again only to sign.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from harbour_kit.crypto import FieldCipher
from harbour_notifications.webhooks import signing

ROTATION_OVERLAP = timedelta(hours=24)


def context(endpoint_id: str, secret_id: str) -> str:
    """The associated data a secret is encrypted under: it decrypts only in its own place."""
    return f"webhook:{endpoint_id}:secret:{secret_id}"


def issue(cipher: FieldCipher, endpoint_id: str) -> tuple[dict[str, Any], str]:
    """A new secret: the record to store and the plain secret to show once."""
    secret, secret_id = signing.generate_secret(), uuid.uuid4().hex[:8]
    record = {
        "id": secret_id,
        "secret_enc": cipher.encrypt(secret, context=context(endpoint_id, secret_id)),
        "created_at": datetime.now(UTC).isoformat(),
    }
    return record, secret


def rotate(
    cipher: FieldCipher, endpoint_id: str, records: list[dict[str, Any]], now: datetime
) -> tuple[list[dict[str, Any]], str]:
    """The records with a new secret first; the old ones retire after the overlap."""
    retire = (now + ROTATION_OVERLAP).isoformat()
    kept = [{**r, "expires_at": r.get("expires_at") or retire} for r in records]
    record, secret = issue(cipher, endpoint_id)
    return [record, *kept], secret


def active(
    cipher: FieldCipher, endpoint_id: str, records: list[dict[str, Any]], now: datetime
) -> list[str]:
    """The plain secrets not yet retired, to sign one message with."""
    found = []
    for record in records:
        expires = record.get("expires_at")
        if expires is None or datetime.fromisoformat(expires) > now:
            token = record["secret_enc"]
            found.append(str(cipher.decrypt(token, context=context(endpoint_id, record["id"]))))
    return found


def public(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the API shows of the secrets: ids and dates, never the secret."""
    return [
        {"id": r["id"], "created_at": r["created_at"], "expires_at": r.get("expires_at")}
        for r in records
    ]
