"""Lockout, passwords, tokens and PII sealing: the rules that need no AWS."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
import pytest

from pensioncert import passwords, tokens
from pensioncert.errors import AppError
from pensioncert.pii import PiiVault
from pensioncert.rules.lockout import LockoutPolicy, LockState
from pensioncert.settings import Settings

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
POLICY = LockoutPolicy(max_failures=3, lock_duration=timedelta(hours=24))


def test_the_third_consecutive_failure_locks_for_24_hours_from_that_moment():
    state = LockState()
    state = POLICY.after_failure(state, NOW)
    state = POLICY.after_failure(state, NOW + timedelta(minutes=1))
    assert not POLICY.is_locked(state, NOW) and POLICY.attempts_left(state) == 1
    third = NOW + timedelta(minutes=2)
    state = POLICY.after_failure(state, third)
    assert state.locked_until == third + timedelta(hours=24)
    assert POLICY.is_locked(state, third + timedelta(hours=23, minutes=59))
    assert not POLICY.is_locked(state, third + timedelta(hours=24))


def test_after_a_lock_expires_the_count_starts_afresh():
    locked = LockState(failed_attempts=3, locked_until=NOW)
    later = NOW + timedelta(seconds=1)
    assert POLICY.failures_so_far(locked, later) == 0
    assert POLICY.after_failure(locked, later) == LockState(failed_attempts=1, locked_until=None)


@pytest.mark.parametrize(
    "weak", ["abc123", "abcdefgh", "12345678", "abc12345", "aaaa1111", "x1" * 20,
             "Li13800138000x", "wang19480315", "wang480315a"],
)
def test_weak_passwords_are_refused_with_a_clear_message(weak):
    with pytest.raises(AppError) as caught:
        passwords.check_strength(weak, phone="13800138000", birth_date="19480315")
    assert caught.value.code.name == "PASSWORD_WEAK"
    assert "字母和数字" in caught.value.message


def test_a_reasonable_password_passes():
    passwords.check_strength("Shaanxi2026", phone="13800138000", birth_date="19480315")


def test_passwords_are_stored_as_argon2id_and_verified():
    settings = Settings(stage="test")
    stored = passwords.hash_secret(settings, "Shaanxi2026")
    assert stored.startswith("$argon2id$") and "Shaanxi2026" not in stored
    assert passwords.verify_secret(settings, stored, "Shaanxi2026")
    assert not passwords.verify_secret(settings, stored, "Shaanxi2027")
    assert not passwords.verify_secret(settings, None, "Shaanxi2026")
    assert not passwords.verify_secret(settings, "not a hash", "Shaanxi2026")


SECRET = "s" * 40


def test_a_token_carries_the_session_until_it_expires():
    token = tokens.issue(SECRET, tokens.Session("u_1", "phone"), NOW, 7200)
    assert tokens.verify(SECRET, token, NOW + timedelta(seconds=7199)) == tokens.Session("u_1", "phone")
    with pytest.raises(AppError) as caught:
        tokens.verify(SECRET, token, NOW + timedelta(seconds=7200))
    assert caught.value.code.name == "UNAUTHENTICATED"


def test_forged_tampered_and_unsigned_tokens_are_refused():
    good = tokens.issue(SECRET, tokens.Session("u_1", "phone"), NOW, 7200)
    claims = {"sub": "u_2", "lm": "card", "iss": "pensioncert", "iat": int(NOW.timestamp()),
              "exp": int(NOW.timestamp()) + 7200}
    header, _payload, signature = good.split(".")
    other_payload = jwt.encode(claims, SECRET, algorithm="HS256").split(".")[1]
    candidates = [
        jwt.encode(claims, "another secret of enough length!!", algorithm="HS256"),
        jwt.encode(claims, None, algorithm="none"),
        f"{header}.{other_payload}.{signature}",
        good[:-2],
        "",
        "a.b.c",
    ]
    for token in candidates:
        with pytest.raises(AppError):
            tokens.verify(SECRET, token, NOW)


def test_pii_is_sealed_with_randomness_and_looked_up_by_a_keyed_hash():
    vault = PiiVault("k" * 32)
    sealed = [vault.seal("61010219480315001X") for _ in range(2)]
    assert sealed[0] != sealed[1] and "61010219480315001X" not in sealed[0]
    assert vault.open(sealed[0]) == "61010219480315001X"
    assert vault.lookup("id", "61010219480315001X") == vault.lookup("id", "61010219480315001X")
    assert vault.lookup("id", "61010219480315001X") != PiiVault("j" * 32).lookup("id", "61010219480315001X")
    assert vault.lookup("id", "13800138000") != vault.lookup("phone", "13800138000")


def test_table_specs_put_the_hash_key_first_as_dynamodb_requires():
    from pensioncert.dal.binding import table_specs

    for spec in table_specs(Settings(stage="test")):
        create = spec["create"]
        schemas = [create["KeySchema"]] + [index["KeySchema"] for index in create.get("GlobalSecondaryIndexes", [])]
        for schema in schemas:
            assert schema[0]["KeyType"] == "HASH", create["TableName"]
