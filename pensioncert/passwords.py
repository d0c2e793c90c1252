"""Password hashing (argon2id) and the minimum strength rule."""
from __future__ import annotations

import functools
import re

import argon2

from pensioncert.errors import AppError, ErrorCode
from pensioncert.settings import Settings

MIN_LENGTH = 8
MAX_LENGTH = 32
# Passwords that pass the letters-and-digits rule yet are among the first guesses of any attacker.
_COMMON = {"abc12345", "abcd1234", "a1234567", "password1", "passw0rd", "qwer1234", "1234qwer",
           "abc123456", "a12345678", "qwe12345", "1qaz2wsx", "aa123456", "zxc12345"}


@functools.cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> argon2.PasswordHasher:
    return argon2.PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
    )


def hasher(settings: Settings) -> argon2.PasswordHasher:
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)


def hash_secret(settings: Settings, secret: str) -> str:
    return hasher(settings).hash(secret)


def verify_secret(settings: Settings, stored_hash: str | None, secret: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real verify, so a missing account cannot be told apart by timing.
        hasher(settings).hash(secret)
        return False
    try:
        return hasher(settings).verify(stored_hash, secret)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def check_pair(password: str, confirm: str) -> None:
    if password != confirm:
        raise AppError(ErrorCode.PASSWORD_MISMATCH)


def check_strength(password: str, *, phone: str | None = None, birth_date: str | None = None) -> None:
    """8-32 characters with letters and digits, not a common pattern, not the phone or birthday."""
    weak = (
        not MIN_LENGTH <= len(password) <= MAX_LENGTH
        or not re.search(r"[A-Za-z]", password)
        or not re.search(r"\d", password)
        or password.lower() in _COMMON
        or len(set(password)) < 4
        or (phone is not None and phone[-8:] in password)
        or (birth_date is not None and (birth_date in password or birth_date[2:] in password))
    )
    if weak:
        raise AppError(ErrorCode.PASSWORD_WEAK)
