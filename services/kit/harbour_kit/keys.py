"""Local signing keys for the embedded default (production reads an OIDC provider's JWKS)."""

from __future__ import annotations

import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PRIVATE_KEY_FILE = "jwt-private.pem"
PUBLIC_KEY_FILE = "jwt-public.pem"


def ensure_keypair(directory: Path) -> tuple[Path, Path]:
    """Creates an Ed25519 key pair in `directory` unless one is there; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE
    if not private_path.exists():
        key = Ed25519PrivateKey.generate()
        private_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        private_path.chmod(0o600)
        public_path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return private_path, public_path


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".harbour/keys")
    for path in ensure_keypair(target):
        print(path)
