"""Signed, expiring session tokens (JWT, HS256 only: ``alg: none`` and key confusion are refused).

A token carries its account's token version (claim ``tv``); whether that version is still the
account's is checked where the account is read for the call (``logic.accounts.signed_in_account``).
"""
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
    token_version: int = 0


def issue(secret: str, session: Session, now: datetime, ttl_seconds: int) -> str:
    claims = {
        "sub": session.user_id,
        "lm": session.login_method,
        "tv": session.token_version,
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
            options={"require": ["sub", "exp", "iat", "iss", "tv"], "verify_exp": False,
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
    if (
        claims.get("lm") not in ("phone", "card")
        or not isinstance(claims["sub"], str)
        or type(claims["tv"]) is not int
    ):
        raise AppError(ErrorCode.UNAUTHENTICATED)
    return Session(user_id=claims["sub"], login_method=claims["lm"], token_version=claims["tv"])
