"""Encryption of shop credentials at rest (Fernet: AES-128-CBC with HMAC-SHA256, from `cryptography`)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretBox:
    """Encrypts and decrypts short secrets with a key derived from the operator's `ENCRYPTION_KEY`."""

    def __init__(self, key_material: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lumina shop credentials").derive(
            key_material.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("stored credentials cannot be decrypted: was ENCRYPTION_KEY changed?") from exc


def key_hint(secret: str) -> str:
    """Enough of a key for a person to tell two apart, never enough to use."""
    return f"…{secret[-4:]}" if len(secret) > 8 else "…"
