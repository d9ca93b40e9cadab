"""Field encryption: AES-256-GCM tokens bound to their context, with key rotation."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

from harbour_kit.crypto import DecryptionError, FieldCipher, generate_key_setting, key_ring

OLD_KEY = bytes(range(32))
NEW_KEY = bytes(range(100, 132))
CONTEXT = "referral:7f1c2a:needs_summary"


def b64url(data: bytes) -> str:
    """Unpadded base64url, as tokens spell their parts."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def cipher() -> FieldCipher:
    """A cipher with one key."""
    return FieldCipher({"k1": OLD_KEY}, current="k1")


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Needs an interpreter; prefers a female caseworker.",
        "需要廣東話傳譯及女性社工。",
        "اسے اردو مترجم کی ضرورت ہے",
        "",
        "emoji 🙂 and\nnewlines\tand . dots : colons , commas",
        "x" * 10_000,
    ],
)
def test_round_trip(cipher: FieldCipher, text: str) -> None:
    token = cipher.encrypt(text, context=CONTEXT)
    assert token is not None
    assert cipher.decrypt(token, context=CONTEXT) == text


def test_none_passes_through(cipher: FieldCipher) -> None:
    assert cipher.encrypt(None, context=CONTEXT) is None
    assert cipher.decrypt(None, context=CONTEXT) is None
    assert cipher.encrypt_json(None, context=CONTEXT) is None
    assert cipher.decrypt_json(None, context=CONTEXT) is None
    assert cipher.needs_rotation(None) is False
    assert cipher.rotate(None, context=CONTEXT) is None


def test_token_shape(cipher: FieldCipher) -> None:
    token = cipher.encrypt("hello", context=CONTEXT)
    assert token is not None
    version, kid, nonce, sealed = token.split(".")
    assert (version, kid) == ("v1", "k1")
    assert "=" not in token
    assert len(unb64url(nonce)) == 12
    assert len(unb64url(sealed)) == len(b"hello") + 16  # ciphertext plus the GCM tag


def test_same_plaintext_encrypts_differently_each_time(cipher: FieldCipher) -> None:
    tokens = {cipher.encrypt("same words", context=CONTEXT) for _ in range(20)}
    assert len(tokens) == 20
    nonces = {t.split(".")[2] for t in tokens if t is not None}
    assert len(nonces) == 20


def test_plaintext_never_appears_in_the_token(cipher: FieldCipher) -> None:
    secret = "Survivor of detention in Country X, lives at Flat 12B"
    token = cipher.encrypt(secret, context=CONTEXT)
    assert token is not None
    raw = b"".join(unb64url(part) for part in token.split(".")[2:])
    assert secret.encode() not in raw
    assert secret.encode() not in token.encode()
    for word in ("Survivor", "detention", "Flat"):
        assert word not in token
        assert word.encode() not in raw


# --- failures ----------------------------------------------------------------------------


def test_wrong_context_fails(cipher: FieldCipher) -> None:
    token = cipher.encrypt("private", context="referral:1:needs_summary")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context="referral:2:needs_summary")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context="referral:1:contact_notes")


def test_empty_context_is_refused(cipher: FieldCipher) -> None:
    with pytest.raises(ValueError, match="context"):
        cipher.encrypt("private", context="")
    with pytest.raises(ValueError, match="context"):
        cipher.decrypt("v1.k1.a.b", context="")


@pytest.mark.parametrize("part", [2, 3])
def test_tampered_token_fails(cipher: FieldCipher, part: int) -> None:
    token = cipher.encrypt("private", context=CONTEXT)
    assert token is not None
    parts = token.split(".")
    data = bytearray(unb64url(parts[part]))
    for index in (0, len(data) - 1):  # first byte, and last byte (inside the tag for part 3)
        flipped = bytearray(data)
        flipped[index] ^= 0x01
        forged = ".".join([*parts[:part], b64url(bytes(flipped)), *parts[part + 1 :]])
        with pytest.raises(DecryptionError) as info:
            cipher.decrypt(forged, context=CONTEXT)
        assert "private" not in str(info.value)


def test_truncated_ciphertext_fails(cipher: FieldCipher) -> None:
    token = cipher.encrypt("private", context=CONTEXT)
    assert token is not None
    version, kid, nonce, sealed = token.split(".")
    short = b64url(unb64url(sealed)[:-1])
    with pytest.raises(DecryptionError):
        cipher.decrypt(f"{version}.{kid}.{nonce}.{short}", context=CONTEXT)


def test_unknown_kid_fails(cipher: FieldCipher) -> None:
    other = FieldCipher({"k9": NEW_KEY}, current="k9")
    token = other.encrypt("private", context=CONTEXT)
    with pytest.raises(DecryptionError, match="unknown key id 'k9'"):
        cipher.decrypt(token, context=CONTEXT)


def test_relabelled_kid_fails() -> None:
    both = FieldCipher({"a": OLD_KEY, "b": OLD_KEY}, current="a")
    token = both.encrypt("private", context=CONTEXT)
    assert token is not None
    with pytest.raises(DecryptionError):
        both.decrypt(token.replace("v1.a.", "v1.b.", 1), context=CONTEXT)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "plain text",
        "v1.k1.only-three",
        "v2.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "v1.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.extra",
        "v1.k1.AAAA.AAAAAAAAAAAAAAAAAAAAAA",  # 3-byte nonce
        "v1.k1.AAAAAAAAAAAAAAAA.AAAA",  # shorter than a tag
        "v1.k1.AAAAAAAAAAAAAAAA=.AAAAAAAAAAAAAAAAAAAAAA",  # padding
        "v1.k1.AAAAAAAAAAAAAAA+.AAAAAAAAAAAAAAAAAAAAAA",  # standard alphabet
        "v1.k1.AAAAAAAAAAAAAAAB.AAAAAAAAAAAAAAAAAAAAAB",  # non-canonical trailing bits
        "v1..AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "v1.k 1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_malformed_tokens_fail(cipher: FieldCipher, token: str) -> None:
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context=CONTEXT)


def test_errors_never_carry_key_material_or_plaintext(cipher: FieldCipher) -> None:
    token = cipher.encrypt("very private words", context=CONTEXT)
    assert token is not None
    with pytest.raises(DecryptionError) as info:
        cipher.decrypt(token, context="elsewhere")
    message = str(info.value)
    assert "private" not in message
    assert b64url(OLD_KEY) not in message
    assert base64.b64encode(OLD_KEY).decode() not in message
    assert info.value.__cause__ is None
    assert b64url(OLD_KEY) not in repr(cipher)


# --- rotation ----------------------------------------------------------------------------


def test_rotation() -> None:
    before = FieldCipher({"k1": OLD_KEY}, current="k1")
    old_token = before.encrypt("kept across rotation", context=CONTEXT)
    after = FieldCipher({"k2": NEW_KEY, "k1": OLD_KEY}, current="k2")

    assert after.decrypt(old_token, context=CONTEXT) == "kept across rotation"
    assert after.needs_rotation(old_token) is True

    rotated = after.rotate(old_token, context=CONTEXT)
    assert rotated is not None
    assert rotated.split(".")[1] == "k2"
    assert after.needs_rotation(rotated) is False
    assert after.decrypt(rotated, context=CONTEXT) == "kept across rotation"
    assert after.rotate(rotated, context=CONTEXT) == rotated  # already current: unchanged

    with pytest.raises(DecryptionError):
        after.rotate(old_token, context="another:field")  # rotation still checks context

    retired = FieldCipher({"k2": NEW_KEY}, current="k2")  # once k1 is dropped
    assert retired.decrypt(rotated, context=CONTEXT) == "kept across rotation"
    with pytest.raises(DecryptionError, match="unknown key id"):
        retired.decrypt(old_token, context=CONTEXT)


def test_needs_rotation_rejects_malformed_tokens(cipher: FieldCipher) -> None:
    with pytest.raises(DecryptionError):
        cipher.needs_rotation("not a token")


def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="current key id"):
        FieldCipher({"k1": OLD_KEY}, current="k2")
    with pytest.raises(ValueError, match="current key id"):
        FieldCipher({}, current="k1")
    with pytest.raises(ValueError, match="32 bytes"):
        FieldCipher({"k1": OLD_KEY[:16]}, current="k1")
    with pytest.raises(ValueError, match="32 bytes"):
        FieldCipher({"k1": OLD_KEY, "k0": OLD_KEY + b"x"}, current="k1")
    with pytest.raises(ValueError, match="key id"):
        FieldCipher({"k.1": OLD_KEY}, current="k.1")


# --- settings ----------------------------------------------------------------------------


def test_from_setting_first_entry_is_current() -> None:
    setting = f"k2:{b64url(NEW_KEY)}, k1:{base64.b64encode(OLD_KEY).decode()}"
    cipher = FieldCipher.from_setting(setting)
    assert cipher.current == "k2"
    assert cipher.key_ids == {"k1", "k2"}
    old_token = FieldCipher({"k1": OLD_KEY}, current="k1").encrypt("x", context=CONTEXT)
    assert cipher.decrypt(old_token, context=CONTEXT) == "x"
    new_token = cipher.encrypt("y", context=CONTEXT)
    assert new_token is not None and new_token.startswith("v1.k2.")
    only_new = FieldCipher({"k2": NEW_KEY}, current="k2")
    assert only_new.decrypt(new_token, context=CONTEXT) == "y"


@pytest.mark.parametrize(
    "encode",
    [
        lambda k: base64.b64encode(k).decode(),
        lambda k: base64.urlsafe_b64encode(k).decode(),
        lambda k: base64.b64encode(k).decode().rstrip("="),
        lambda k: base64.urlsafe_b64encode(k).decode().rstrip("="),
    ],
)
def test_from_setting_accepts_both_alphabets_padded_or_not(encode: Any) -> None:
    key = b"\xfb\xff\xfe" * 10 + b"\xfa\xf0"  # bytes whose encoding needs '+/' or '-_'
    cipher = FieldCipher.from_setting(f"k1:{encode(key)}")
    token = FieldCipher({"k1": key}, current="k1").encrypt("ok", context=CONTEXT)
    assert cipher.decrypt(token, context=CONTEXT) == "ok"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (f"k1:{b64url(OLD_KEY)},", "entry 2 is empty"),
        (f"k1:{b64url(OLD_KEY)},,k2:{b64url(NEW_KEY)}", "entry 2 is empty"),
        (b64url(OLD_KEY), "entry 1 is not in the form"),
        (f":{b64url(OLD_KEY)}", "entry 1 is not in the form"),
        ("k1:", "entry 1 \\('k1'\\) is not valid base64"),
        ("k1:not*base64!", "entry 1 \\('k1'\\) is not valid base64"),
        (f"k1:{b64url(OLD_KEY)}===", "entry 1 \\('k1'\\) is not valid base64"),
        (f"k1:{b64url(OLD_KEY)},k2:{b64url(NEW_KEY)[:-2]}", "entry 2 \\('k2'\\) is not valid"),
        (f"k1:{b64url(OLD_KEY)},k2:{b64url(NEW_KEY)[:-1]}", "entry 2 \\('k2'\\) decodes to 31"),
        (f"k1:{b64url(OLD_KEY[:16])}", "entry 1 \\('k1'\\) decodes to 16 bytes, expected 32"),
        (f"k1:{b64url(OLD_KEY + b'!')}", "decodes to 33 bytes"),
        (f"k1:{b64url(OLD_KEY)},k1:{b64url(NEW_KEY)}", "entry 2 \\('k1'\\) repeats"),
        (f"k.1:{b64url(OLD_KEY)}", "entry 1: key id"),
    ],
)
def test_from_setting_errors(setting: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected) as info:
        FieldCipher.from_setting(setting)
    message = str(info.value)
    for key in (OLD_KEY, NEW_KEY):
        assert b64url(key)[:8] not in message


def test_generate_key_setting() -> None:
    first, second = generate_key_setting(), generate_key_setting("2025-06")
    kid, _, encoded = first.partition(":")
    assert kid == "k1"
    assert len(unb64url(encoded)) == 32
    assert second.startswith("2025-06:")
    assert first.split(":")[1] != second.split(":")[1]
    cipher = FieldCipher.from_setting(f"{second},{first}")
    assert cipher.current == "2025-06"
    token = cipher.encrypt("fresh", context=CONTEXT)
    assert cipher.decrypt(token, context=CONTEXT) == "fresh"
    with pytest.raises(ValueError, match="key id"):
        generate_key_setting("bad:kid")


# --- JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"languages": ["yue", "ur"], "needs": {"interpreter": True, "count": 2}},
        {"name": "陳小明", "note": "خاتون مشیر"},
        [1, 2.5, None, "x"],
        "just a string",
        0,
        False,
        {},
    ],
)
def test_json_round_trip(cipher: FieldCipher, value: Any) -> None:
    token = cipher.encrypt_json(value, context=CONTEXT)
    assert token is not None
    assert cipher.decrypt_json(token, context=CONTEXT) == value


def test_json_is_compact_and_keeps_unicode(cipher: FieldCipher) -> None:
    token = cipher.encrypt_json({"a": "陳", "b": [1, 2]}, context=CONTEXT)
    assert cipher.decrypt(token, context=CONTEXT) == '{"a":"陳","b":[1,2]}'


def test_json_context_is_bound(cipher: FieldCipher) -> None:
    token = cipher.encrypt_json({"a": 1}, context=CONTEXT)
    with pytest.raises(DecryptionError):
        cipher.decrypt_json(token, context="referral:other:needs_summary")


def test_decrypt_json_of_non_json_text_fails(cipher: FieldCipher) -> None:
    token = cipher.encrypt("not json at all", context=CONTEXT)
    with pytest.raises(DecryptionError, match="JSON") as info:
        cipher.decrypt_json(token, context=CONTEXT)
    assert "not json at all" not in str(info.value)


def test_random_keys_do_not_cross_decrypt() -> None:
    one = FieldCipher({"k1": os.urandom(32)}, current="k1")
    two = FieldCipher({"k1": os.urandom(32)}, current="k1")
    with pytest.raises(DecryptionError, match="authentication"):
        two.decrypt(one.encrypt("x", context=CONTEXT), context=CONTEXT)


def test_key_ring_uses_the_setting_else_one_key_file_made_once(tmp_path: Path) -> None:
    setting = generate_key_setting("prod1")
    assert key_ring(setting, local_file=tmp_path / "unused.key").current == "prod1"
    assert not (tmp_path / "unused.key").exists()
    path = tmp_path / "keys" / "service.key"
    first = key_ring(None, local_file=path)
    token = first.encrypt("x", context=CONTEXT)
    again = key_ring(None, local_file=path)
    assert again.decrypt(token, context=CONTEXT) == "x"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["service.key"]  # no draft left behind
