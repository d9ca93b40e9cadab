"""Standard Webhooks signing and verification."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError as LibraryVerificationError

from harbour_notifications.webhooks.signing import (
    WebhookVerificationError,
    generate_secret,
    headers,
    sign,
    verify,
)

FIXED_SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
MSG_ID = "msg_1"
TIMESTAMP = 1700000000
BODY = '{"a":1}'


def test_generated_secret_has_prefix_and_32_key_bytes() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert generate_secret() != secret


def test_known_answer_vector() -> None:
    content = f"{MSG_ID}.{TIMESTAMP}.{BODY}".encode()
    digest = hmac.new(bytes(range(32)), content, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    assert sign(FIXED_SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY) == expected
    assert sign(FIXED_SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY.encode()) == expected


def test_headers_carry_id_timestamp_and_signature() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    assert sent == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": sign(FIXED_SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY),
    }


def test_round_trip() -> None:
    secret = generate_secret()
    sent = headers([secret], msg_id=MSG_ID, body=BODY)
    verify(secret, headers=sent, body=BODY)
    verify(secret, headers=sent, body=BODY.encode())


def test_a_body_that_is_not_text_is_refused() -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        headers([FIXED_SECRET], msg_id=MSG_ID, body=b"\xff\x00\xfe", timestamp=TIMESTAMP)


def test_harbour_and_the_standardwebhooks_library_verify_each_other() -> None:
    secret = generate_secret()
    body = '{"type":"referral.received","data":{"reference":"R-8F3K"}}'
    # Signed by Harbour, verified by the library (with the real clock: signed just now).
    ours = headers([secret], msg_id="msg_ours", body=body)
    assert Webhook(secret).verify(body, ours) == json.loads(body)
    # Signed by the library, verified by Harbour.
    now = datetime.now(UTC)
    theirs = {
        "webhook-id": "msg_theirs",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_theirs", now, body),
    }
    verify(secret, headers=theirs, body=body)
    with pytest.raises(LibraryVerificationError):
        Webhook(generate_secret()).verify(body, ours)


def test_headers_default_timestamp_is_now() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY)
    assert sent["webhook-timestamp"].isdigit()
    verify(FIXED_SECRET, headers=sent, body=BODY, tolerance=5)


@pytest.mark.parametrize("bad", [[], "whsec_single-string"])
def test_headers_need_a_sequence_of_secrets(bad: list[str] | str) -> None:
    with pytest.raises((ValueError, TypeError)):
        headers(bad, msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)


def test_tampered_body_fails() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(FIXED_SECRET, headers=sent, body='{"a":2}', now=TIMESTAMP)


def test_tampered_id_fails() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    sent["webhook-id"] = "msg_2"
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP)


def test_tampered_timestamp_fails() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    sent["webhook-timestamp"] = str(TIMESTAMP + 1)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP)


def test_wrong_secret_fails() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(generate_secret(), headers=sent, body=BODY, now=TIMESTAMP)


def test_tolerance_accepts_edges() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP + 300)
    verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP - 300)
    verify(FIXED_SECRET, headers=sent, body=BODY, tolerance=10, now=TIMESTAMP + 10)


def test_timestamp_too_old() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP + 301)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(FIXED_SECRET, headers=sent, body=BODY, tolerance=10, now=TIMESTAMP + 11)


def test_timestamp_too_new() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    with pytest.raises(WebhookVerificationError, match="too new"):
        verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP - 301)
    with pytest.raises(WebhookVerificationError, match="too new"):
        verify(FIXED_SECRET, headers=sent, body=BODY, tolerance=10, now=TIMESTAMP - 11)


@pytest.mark.parametrize("value", ["", "abc", "1700000000.5", "-1700000000", "1e9", "\uff11\uff17"])
def test_non_integer_timestamp_fails(value: str) -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    sent["webhook-timestamp"] = value
    with pytest.raises(WebhookVerificationError):
        verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP)


def test_rotation_signs_with_every_secret() -> None:
    old, new = generate_secret(), generate_secret()
    sent = headers([old, new], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    signatures = sent["webhook-signature"].split(" ")
    assert signatures == [
        sign(old, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY),
        sign(new, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY),
    ]
    verify(old, headers=sent, body=BODY, now=TIMESTAMP)
    verify(new, headers=sent, body=BODY, now=TIMESTAMP)

    after = headers([new], msg_id="msg_2", body=BODY, timestamp=TIMESTAMP)
    verify(new, headers=after, body=BODY, now=TIMESTAMP)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(old, headers=after, body=BODY, now=TIMESTAMP)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_fails(missing: str) -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    del sent[missing]
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP)


def test_upper_case_header_names() -> None:
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    shouted = {name.upper(): value for name, value in sent.items()}
    verify(FIXED_SECRET, headers=shouted, body=BODY, now=TIMESTAMP)
    mixed = {name.title(): value for name, value in sent.items()}
    verify(FIXED_SECRET, headers=mixed, body=BODY, now=TIMESTAMP)


def test_unknown_version_prefix_is_ignored() -> None:
    good = sign(FIXED_SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    bare = good.removeprefix("v1,")
    sent = {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": f"v1a,garbage v2,{bare} {good}",
    }
    verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP)

    sent["webhook-signature"] = f"v2,{bare} v1a,{bare} {bare}"
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(FIXED_SECRET, headers=sent, body=BODY, now=TIMESTAMP)


@pytest.mark.parametrize(
    "secret",
    [
        base64.b64encode(bytes(range(32))).decode(),
        "wh_" + base64.b64encode(bytes(range(32))).decode(),
        "whsec_not*base64!",
        "whsec_" + base64.b64encode(bytes(16)).decode(),
        "whsec_" + base64.b64encode(bytes(65)).decode(),
        "whsec_",
    ],
)
def test_bad_secret_format_raises_value_error(secret: str) -> None:
    with pytest.raises(ValueError):
        sign(secret, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    with pytest.raises(ValueError):
        headers([secret], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    sent = headers([FIXED_SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
    with pytest.raises(ValueError):
        verify(secret, headers=sent, body=BODY, now=TIMESTAMP)


def test_key_length_bounds_are_accepted() -> None:
    for size in (24, 64):
        secret = "whsec_" + base64.b64encode(bytes(size)).decode()
        sent = headers([secret], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)
        verify(secret, headers=sent, body=BODY, now=TIMESTAMP)
