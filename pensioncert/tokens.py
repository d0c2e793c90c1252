"""Signed, expiring session tokens (JWT, HS256 only: ``alg: none`` and key confusion are refused)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from pensioncert.errors import AppError, ErrorCode

ALGORITHM = "HS256"
ISSUER = "pensioncert"
CLOCK_SKEW_SECONDS = 60


@dataclass(frozen=True)
class Session:
    user_id: str
    login_method: str  # "phone" or "card"


def issue(secret: str, session: Session, now: datetime, ttl_seconds: int) -> str:
    claims = {
        "sub": session.user_id,
        "lm": session.login_method,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(secret: str, token: str, now: datetime) -> Session:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"], "verify_exp": False,
                     "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        raise AppError(ErrorCode.UNAUTHENTICATED) from None
    # Times are checked against the injectable clock, not the machine's, so tests can pass time.
    if (
        not isinstance(claims.get("exp"), int)
        or not isinstance(claims.get("iat"), int)
        or claims["exp"] <= now.timestamp()
        or claims["iat"] > now.timestamp() + CLOCK_SKEW_SECONDS
    ):
        raise AppError(ErrorCode.UNAUTHENTICATED)
    if claims.get("lm") not in ("phone", "card") or not isinstance(claims["sub"], str):
        raise AppError(ErrorCode.UNAUTHENTICATED)
    return Session(user_id=claims["sub"], login_method=claims["lm"])
