"""Field-level encryption at rest: AES-256-GCM with key ids, context binding and key rotation.

A token looks like ``v1.<kid>.<nonce>.<ciphertext+tag>`` with the last two parts in unpadded
base64url. The caller's ``context`` (for example ``referral:<id>:needs_summary``) is bound as
associated data together with the version and key id, so a token copied into another row or
column, or relabelled with another key id, fails to decrypt. No message raised here ever
contains key material or plaintext.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["DecryptionError", "FieldCipher", "generate_key_setting", "key_ring"]

VERSION: Final = "v1"
KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16

_KID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_B64_ANY = re.compile(r"[A-Za-z0-9+/_-]+")


class DecryptionError(Exception):
    """A token could not be decrypted: malformed, unknown key, wrong context or tampered."""


def _check_kid(kid: str) -> None:
    """Raise ValueError unless ``kid`` is 1-64 characters from [A-Za-z0-9_-]."""
    if not isinstance(kid, str) or not _KID.fullmatch(kid):
        raise ValueError("key id must be 1-64 characters from A-Z, a-z, 0-9, '_' and '-'")


def _check_context(context: str) -> None:
    """Raise ValueError unless ``context`` is a non-empty string."""
    if not isinstance(context, str) or not context:
        raise ValueError("context must be a non-empty string")


def _b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    """Decode canonical unpadded base64url text; raise ValueError on anything else."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url_encode(data) != text:  # reject non-canonical spellings of the same bytes
        raise ValueError("not canonical base64url")
    return data


def _decode_key(text: str) -> bytes:
    """Decode standard or urlsafe base64, padded or not; raise ValueError if invalid."""
    body = text.rstrip("=")
    if not body or len(text) - len(body) > 2 or not _B64_ANY.fullmatch(body):
        raise ValueError("invalid base64")
    normalized = body.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(normalized + "=" * (-len(normalized) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("invalid base64") from None


def _associated_data(kid: str, context: str) -> bytes:
    """Build the AES-GCM associated data binding version, key id and caller context."""
    return f"harbour-field:{VERSION}:{kid}:{context}".encode()


class FieldCipher:
    """Encrypts with the current key and decrypts with any configured key."""

    __slots__ = ("_aeads", "_current")

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        """Configure key id → 32-byte key; ``current`` names the key used for encryption."""
        aeads: dict[str, AESGCM] = {}
        for kid, key in keys.items():
            _check_kid(kid)
            if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
                raise ValueError(f"key {kid!r} must be exactly {KEY_BYTES} bytes")
            aeads[kid] = AESGCM(bytes(key))
        if current not in aeads:
            raise ValueError(f"current key id {current!r} is not among the configured keys")
        self._aeads: dict[str, AESGCM] = aeads
        self._current: str = current

    @classmethod
    def from_setting(cls, value: str) -> FieldCipher:
        """Parse ``"kid1:BASE64KEY,kid2:BASE64KEY"``; the first entry is the current key."""
        if not isinstance(value, str) or not value.strip():
            raise ValueError("encryption key setting is empty")
        keys: dict[str, bytes] = {}
        for position, raw in enumerate(value.split(","), start=1):
            entry = raw.strip()
            if not entry:
                raise ValueError(f"encryption key setting entry {position} is empty")
            kid, sep, encoded = entry.partition(":")
            kid, encoded = kid.strip(), encoded.strip()
            if not sep or not kid:
                raise ValueError(
                    f"encryption key setting entry {position} is not in the form 'kid:base64key'"
                )
            try:
                _check_kid(kid)
            except ValueError as exc:
                raise ValueError(f"encryption key setting entry {position}: {exc}") from None
            if kid in keys:
                raise ValueError(
                    f"encryption key setting entry {position} ({kid!r}) repeats a key id"
                )
            try:
                key = _decode_key(encoded)
            except ValueError:
                raise ValueError(
                    f"encryption key setting entry {position} ({kid!r}) is not valid base64"
                ) from None
            if len(key) != KEY_BYTES:
                raise ValueError(
                    f"encryption key setting entry {position} ({kid!r}) decodes to "
                    f"{len(key)} bytes, expected {KEY_BYTES}"
                )
            keys[kid] = key
        return cls(keys, current=next(iter(keys)))

    @property
    def current(self) -> str:
        """The key id new tokens are encrypted under."""
        return self._current

    @property
    def key_ids(self) -> frozenset[str]:
        """Every key id this cipher can decrypt."""
        return frozenset(self._aeads)

    def __repr__(self) -> str:
        """Show key ids only, never key material."""
        return f"FieldCipher(current={self._current!r}, key_ids={sorted(self._aeads)!r})"

    def encrypt(self, plaintext: str | None, *, context: str) -> str | None:
        """Encrypt text under the current key bound to ``context``; None stays None."""
        _check_context(context)
        if plaintext is None:
            return None
        if not isinstance(plaintext, str):
            raise TypeError("plaintext must be str or None")
        kid = self._current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[kid].encrypt(
            nonce, plaintext.encode("utf-8"), _associated_data(kid, context)
        )
        return f"{VERSION}.{kid}.{_b64url_encode(nonce)}.{_b64url_encode(sealed)}"

    def decrypt(self, token: str | None, *, context: str) -> str | None:
        """Decrypt a token made for ``context``; None stays None; DecryptionError otherwise."""
        _check_context(context)
        if token is None:
            return None
        kid, nonce, sealed = self._parse(token)
        aead = self._aeads.get(kid)
        if aead is None:
            raise DecryptionError(f"token uses unknown key id {kid!r}")
        try:
            data = aead.decrypt(nonce, sealed, _associated_data(kid, context))
        except InvalidTag:
            raise DecryptionError(
                "token failed authentication (wrong context, wrong key or tampered)"
            ) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError("decrypted token is not UTF-8 text") from None

    def encrypt_json(self, value: Any, *, context: str) -> str | None:
        """Encrypt a JSON-able value as compact JSON; None stays None."""
        if value is None:
            _check_context(context)
            return None
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return self.encrypt(text, context=context)

    def decrypt_json(self, token: str | None, *, context: str) -> Any:
        """Decrypt a token made by ``encrypt_json``; None stays None."""
        text = self.decrypt(token, context=context)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise DecryptionError("decrypted token does not hold JSON") from None

    def needs_rotation(self, token: str | None) -> bool:
        """Tell whether a well-formed token uses a key other than the current one."""
        if token is None:
            return False
        kid, _, _ = self._parse(token)
        return kid != self._current

    def rotate(self, token: str | None, *, context: str) -> str | None:
        """Return the token re-encrypted under the current key (unchanged if already current)."""
        plaintext = self.decrypt(token, context=context)
        if token is None or not self.needs_rotation(token):
            return token
        return self.encrypt(plaintext, context=context)

    @staticmethod
    def _parse(token: str) -> tuple[str, bytes, bytes]:
        """Split a token into key id, nonce and sealed bytes; DecryptionError if malformed."""
        if not isinstance(token, str):
            raise DecryptionError("token must be a string")
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != VERSION:
            raise DecryptionError(f"token is not in the {VERSION} format")
        _, kid, nonce_text, sealed_text = parts
        if not _KID.fullmatch(kid):
            raise DecryptionError("token has a malformed key id")
        try:
            nonce = _b64url_decode(nonce_text)
            sealed = _b64url_decode(sealed_text)
        except ValueError:
            raise DecryptionError("token has malformed base64url parts") from None
        if len(nonce) != NONCE_BYTES or len(sealed) < TAG_BYTES:
            raise DecryptionError("token has a malformed nonce or ciphertext")
        return kid, nonce, sealed


def generate_key_setting(kid: str = "k1") -> str:
    """Return a fresh ``kid:base64url`` entry holding a random 256-bit key."""
    _check_kid(kid)
    return f"{kid}:{_b64url_encode(AESGCM.generate_key(bit_length=256))}"


def key_ring(setting: str | None, *, local_file: Path) -> FieldCipher:
    """The configured keys, or (embedded default) a key generated once into ``local_file``."""
    if setting is not None:
        return FieldCipher.from_setting(setting)
    if not local_file.exists():
        local_file.parent.mkdir(parents=True, exist_ok=True)
        draft = local_file.with_name(f".{local_file.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(generate_key_setting("local1"))
        try:
            os.link(draft, local_file)  # whole or not at all; a process that got there first wins
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return FieldCipher.from_setting(local_file.read_text().strip())
