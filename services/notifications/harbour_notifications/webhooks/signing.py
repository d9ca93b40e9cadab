"""Standard Webhooks signatures: `webhook-id`, `webhook-timestamp` and `webhook-signature`.

The scheme itself (what is signed, the HMAC, the `v1,` form) is the `standardwebhooks` library's;
this module adds what Harbour needs around it: secrets it generates, several active secrets at
once while one is rotated, and a verification whose clock and tolerance can be given.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets as _secrets
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

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


def _webhook(secret: str) -> Webhook:
    """The library's signer for a `whsec_` secret, or ValueError for a malformed one."""
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
    return Webhook(key)


def _text(body: bytes | str) -> str:
    """The body as the text that is signed (webhook bodies are JSON, so UTF-8)."""
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("webhook bodies are UTF-8 text") from exc


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """Return the `v1,<base64>` signature of one message under one secret."""
    at = datetime.fromtimestamp(timestamp, UTC)
    return str(_webhook(secret).sign(msg_id, at, _text(body)))


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
    webhook = _webhook(secret)
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

    signed = webhook.sign(msg_id, datetime.fromtimestamp(timestamp, UTC), _text(body))
    expected = signed.partition(",")[2].encode("ascii")
    matched = False
    for candidate in raw_signatures.split():
        version, _, value = candidate.partition(",")
        if version != SIGNATURE_VERSION:
            continue
        if hmac.compare_digest(expected, value.encode("utf-8")):
            matched = True
    if not matched:
        raise WebhookVerificationError("no matching webhook signature")
