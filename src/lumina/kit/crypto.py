"""Encryption of shop credentials at rest (Fernet: AES-128-CBC with HMAC-SHA256, from `cryptography`).

`ENCRYPTION_KEY` may list several keys, comma-separated: the first encrypts, every one decrypts (`MultiFernet`).
That is how a key is rotated without losing a stored secret: put the new key first, run `lumina shops reencrypt`
(which moves every secret to the first key), then drop the old key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def split_keys(key_material: str) -> list[str]:
    """The keys of an `ENCRYPTION_KEY` value, in order (the first one encrypts)."""
    return [part.strip() for part in key_material.split(",") if part.strip()]


def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lumina shop credentials").derive(
        key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class SecretBox:
    """Encrypts short secrets with the first of the operator's keys and decrypts them with any of them."""

    def __init__(self, key_material: str) -> None:
        keys = split_keys(key_material)
        if not keys:
            raise ValueError("no encryption key given")
        self._fernet = MultiFernet([_fernet(key) for key in keys])
        # Delivery addresses are tagged with the first (encrypting) key: rotating it moves them, and the webhooks'
        # upkeep registers the new ones and removes the old.
        self._tag_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lumina tags").derive(
            keys[0].encode("utf-8")
        )

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("stored credentials cannot be decrypted: was ENCRYPTION_KEY changed?") from exc

    def rotate(self, token: str) -> str:
        """The same secret encrypted under the first key (ValueError when no key decrypts it)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise ValueError("stored credentials cannot be decrypted with any key in ENCRYPTION_KEY") from exc

    def tag(self, text: str) -> str:
        """An unguessable, stable tag of `text` (128 bits of HMAC-SHA256, hex), for addresses that must not be
        enumerable; it changes with the first ENCRYPTION_KEY."""
        return hmac.new(self._tag_key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def key_hint(secret: str) -> str:
    """Enough of a key for a person to tell two apart, never enough to use."""
    return f"…{secret[-4:]}" if len(secret) > 8 else "…"
