"""Passwords (Argon2), signed tokens (JWT) and the signing key kept in the data folder."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from gridmap.core.errors import InvalidInput, Unauthorized
from gridmap.core.settings import Settings

_hasher = PasswordHash((Argon2Hasher(),))
# verifying against this when a username is unknown keeps the timing of both answers alike
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
ALGORITHM = "HS256"
ISSUER = "gridmap"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Whether the password matches, and a new hash when the stored one's parameters aged."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False, None
    return _hasher.verify_and_update(password, password_hash)


def generate_password() -> str:
    """A random password for new accounts (shown once)."""
    return secrets.token_urlsafe(12)


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise InvalidInput("a password needs at least 10 characters", field="password")


def signing_key(settings: Settings) -> bytes:
    """The token signing key: GRIDMAP_AUTH_SECRET_KEY, else generated once into the data folder."""
    if settings.auth.secret_key:
        return settings.auth.secret_key.encode()
    return secret_file(settings, "signing.key", lambda: secrets.token_urlsafe(48)).encode()


_SECRETS: dict[Path, str] = {}


def secret_file(settings: Settings, name: str, make: Callable[[], str]) -> str:
    """A secret kept in ``<data dir>/secrets/<name>`` (mode 0600), made once by ``make``, and
    read once per process (every request checks a token with it: a file read each time)."""
    folder = Path(settings.db.data_dir) / "secrets"
    path = folder / name
    kept = _SECRETS.get(path)
    if kept is None:
        kept = _SECRETS[path] = _read_or_make(folder, path, make)
    return kept


def _read_or_make(folder: Path, path: Path, make: Callable[[], str]) -> str:
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)
        # O_EXCL: two processes starting at once agree on one secret
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
    return path.read_text().strip()


@dataclass(frozen=True)
class IssuedToken:
    """A signed token, its id (the session row) and, for cookies, its CSRF secret."""

    token: str
    jti: str
    expires_at: datetime
    csrf: str


def issue_token(key: bytes, username: str, kind: str, ttl: timedelta) -> IssuedToken:
    now = datetime.now(UTC)
    jti, csrf = str(uuid.uuid4()), secrets.token_urlsafe(24)
    claims = {
        "sub": username,
        "jti": jti,
        "kind": kind,
        "csrf": csrf,
        "iss": ISSUER,
        "iat": now,
        "exp": now + ttl,
    }
    return IssuedToken(jwt.encode(claims, key, algorithm=ALGORITHM), jti, now + ttl, csrf)


def decode_token(key: bytes, token: str) -> dict[str, Any]:
    """The claims of a valid token; Unauthorized (in words) otherwise."""
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "jti", "sub", "kind"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired: sign in again") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("the token is not valid: sign in again") from None
