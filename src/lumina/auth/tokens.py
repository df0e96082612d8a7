"""Access tokens (short-lived HS256 JWTs) and refresh tokens (opaque random strings kept only as hashes).

An access token names its session (`sid`, the chain id of the login's refresh tokens), so that ending the session
(logout, a replayed refresh token, a new password) ends its access tokens too; checking them needs the user row and
whether the session is still open. Refresh tokens are looked up by their SHA-256, so a leaked database does not
hand out sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from lumina.errors import UnauthorizedError

ALGORITHM = "HS256"
ISSUER = "lumina"
ACCESS_TYPE = "access"
# Refresh tokens carry a prefix so that one presented as an access token can be named as such.
REFRESH_PREFIX = "lrt_"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    family_id: int
    role: str
    session_id: str
    expires_at: datetime


def issue_access_token(
    secret: str, *, user_id: int, family_id: int, role: str, session_id: str, now: datetime, lifetime: timedelta
) -> str:
    claims = {
        "sub": str(user_id),
        "sid": session_id,
        "fam": family_id,
        "role": role,
        "type": ACCESS_TYPE,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
        "iss": ISSUER,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_access_token(secret: str, token: str) -> AccessClaims:
    """The claims of a valid access token, or UnauthorizedError saying what is wrong with it."""
    if token.startswith(REFRESH_PREFIX):
        raise UnauthorizedError("A refresh token cannot be used as an access token")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # never taken from the token's header: refuses `alg: none` and key confusion
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "type", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise UnauthorizedError("Token has expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise UnauthorizedError("Token signature is invalid") from exc
    except jwt.InvalidAlgorithmError as exc:
        raise UnauthorizedError("Token is signed with an algorithm that is not accepted") from exc
    except jwt.DecodeError as exc:
        raise UnauthorizedError("Token is malformed") from exc
    except jwt.InvalidTokenError as exc:  # missing claim, wrong issuer, iat in the future
        raise UnauthorizedError(f"Token is invalid: {exc}") from exc
    if claims.get("type") != ACCESS_TYPE:
        raise UnauthorizedError("Token is not an access token")
    try:
        return AccessClaims(
            user_id=int(claims["sub"]),
            family_id=int(claims["fam"]),
            role=str(claims["role"]),
            session_id=str(claims["sid"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UnauthorizedError("Token is invalid: its claims are incomplete") from exc


def new_refresh_token() -> str:
    return REFRESH_PREFIX + secrets.token_urlsafe(32)


def new_chain_id() -> str:
    return uuid.uuid4().hex


def hash_refresh_token(token: str) -> str:
    """SHA-256 suffices: the token has 256 random bits, so there is nothing to brute-force."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
