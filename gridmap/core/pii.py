"""Personal data (个人信息): ID numbers and phones encrypted at rest, hashed for look-up, masked.

The key is ``GRIDMAP_PEOPLE_PII_KEY`` (base64, 32 bytes) or, unset, generated once into
``<data dir>/secrets/pii.key``; it never reaches the database or the repository. Values are
sealed with AES-256-GCM (``cryptography``), the nonce stored in front of the ciphertext, and the
record's kind bound as associated data so an ID ciphertext cannot be passed off as a phone. The
look-up hash is keyed BLAKE2b (a MAC), so equal values can be found without decrypting and
without a dictionary attack by whoever reads the table.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gridmap.core.auth import secret_file
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings

KEY_FILE = "pii.key"


def _new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _decode_key(value: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise InvalidInput("GRIDMAP_PEOPLE_PII_KEY must be 32 bytes in base64", field="pii_key")
    return key


@dataclass(frozen=True)
class Sealed:
    """One value as stored: ciphertext, keyed hash and masked form."""

    cipher: bytes
    hash: bytes
    masked: str


class Vault:
    """Seals and opens personal data with one key (密钥)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._mac_key = hashlib.blake2b(key, person=b"gridmap-lookup").digest()
        # a random prefix and a counter: nonces never repeat within a process or across them
        self._prefix = os.urandom(4)
        self._counter = itertools.count()

    def seal(self, kind: str, value: str) -> bytes:
        nonce = self._prefix + next(self._counter).to_bytes(8, "big")
        return nonce + self._aead.encrypt(nonce, value.encode(), kind.encode())

    def open(self, kind: str, cipher: bytes) -> str:
        try:
            return self._aead.decrypt(cipher[:12], cipher[12:], kind.encode()).decode()
        except InvalidTag:
            raise InvalidInput(f"a stored {kind} does not open with this key") from None

    def lookup_hash(self, kind: str, value: str) -> bytes:
        return hashlib.blake2b(
            value.encode(), key=self._mac_key, digest_size=16, person=kind.encode()[:16]
        ).digest()

    def id_number(self, value: str) -> Sealed:
        return Sealed(self.seal("id", value), self.lookup_hash("id", value), mask_id_number(value))

    def phone(self, value: str) -> Sealed:
        return Sealed(
            self.seal("phone", value), self.lookup_hash("phone", value), mask_phone(value)
        )


@lru_cache(maxsize=4)
def _vault(key: bytes) -> Vault:
    return Vault(key)


def vault(settings: Settings) -> Vault:
    """The vault of this deployment's key (generated into the data folder when unset)."""
    configured = settings.people.pii_key
    value = (
        configured.get_secret_value() if configured else secret_file(settings, KEY_FILE, _new_key)
    )
    return _vault(_decode_key(value))


def mask_id_number(value: str) -> str:
    """``361126********1234``: the region part and the last four stay, the birth date goes."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    """``138****5678``."""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_name(value: str) -> str:
    """``张*`` / ``欧阳**``: the family name's first character stays (for roles that only count)."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value
