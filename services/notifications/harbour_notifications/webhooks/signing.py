"""Standard Webhooks signatures: `webhook-id`, `webhook-timestamp` and `webhook-signature`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
import time
from collections.abc import Mapping, Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's public prefix, not a secret
SIGNATURE_VERSION = "v1"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
DEFAULT_TOLERANCE = 300
_SECRET_BYTES = 32
_MIN_KEY_BYTES = 24
_MAX_KEY_BYTES = 64


class WebhookVerificationError(Exception):
    """A webhook's headers or signature did not verify."""


def generate_secret() -> str:
    """Return a new `whsec_` secret holding 32 random key bytes."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    """Return the HMAC key bytes of a `whsec_` secret, or raise ValueError."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"webhook secret must start with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("webhook secret is not valid base64 after the prefix") from exc
    if not _MIN_KEY_BYTES <= len(key) <= _MAX_KEY_BYTES:
        raise ValueError(
            f"webhook secret key must be {_MIN_KEY_BYTES}-{_MAX_KEY_BYTES} bytes, got {len(key)}"
        )
    return key


def _signature(key: bytes, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """Return the bare base64 HMAC-SHA256 of `{msg_id}.{timestamp}.{body}` under `key`."""
    payload = body.encode("utf-8") if isinstance(body, str) else body
    content = f"{msg_id}.{timestamp}.".encode() + payload
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode("ascii")


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """Return the `v1,<base64>` signature of one message under one secret."""
    return f"{SIGNATURE_VERSION},{_signature(_key(secret), msg_id, timestamp, body)}"


def headers(
    secrets: Sequence[str], *, msg_id: str, body: bytes | str, timestamp: int | None = None
) -> dict[str, str]:
    """Return the three webhook headers, signed with every active secret."""
    if isinstance(secrets, str):
        raise TypeError("secrets must be a sequence of secrets, not a single string")
    if not secrets:
        raise ValueError("at least one webhook secret is required")
    when = int(time.time()) if timestamp is None else timestamp
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(when),
        SIGNATURE_HEADER: " ".join(
            sign(secret, msg_id=msg_id, timestamp=when, body=body) for secret in secrets
        ),
    }


def verify(
    secret: str,
    *,
    headers: Mapping[str, str],
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE,
    now: int | None = None,
) -> None:
    """Raise WebhookVerificationError unless the headers carry a fresh, valid v1 signature."""
    key = _key(secret)
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get(ID_HEADER)
    raw_timestamp = lowered.get(TIMESTAMP_HEADER)
    raw_signatures = lowered.get(SIGNATURE_HEADER)
    if not msg_id or not raw_timestamp or not raw_signatures:
        raise WebhookVerificationError("missing required webhook headers")

    raw_timestamp = raw_timestamp.strip()
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):
        raise WebhookVerificationError("invalid webhook timestamp")
    timestamp = int(raw_timestamp)
    current = int(time.time()) if now is None else now
    if current - timestamp > tolerance:
        raise WebhookVerificationError("webhook timestamp too old")
    if timestamp - current > tolerance:
        raise WebhookVerificationError("webhook timestamp too new")

    expected = _signature(key, msg_id, timestamp, body).encode("ascii")
    matched = False
    for candidate in raw_signatures.split():
        version, _, value = candidate.partition(",")
        if version != SIGNATURE_VERSION:
            continue
        if hmac.compare_digest(expected, value.encode("utf-8")):
            matched = True
    if not matched:
        raise WebhookVerificationError("no matching webhook signature")
