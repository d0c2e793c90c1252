"""The retiree accounts' repository contract (pensioncert/repositories/accounts.py), run against both
stores: the in-memory one and the PynamoDB one on the emulator. Each test states one promise of
``AccountRepository``; the use cases' unit tests (tests/unit/test_account_use_cases.py) rely on the
in-memory store keeping exactly these."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from pensioncert.repositories.accounts import (
    CARD,
    UNKNOWN_PHONE_COUNT_LIFETIME,
    Account,
    AccountRepository,
    ClaimChanged,
    IdClaim,
    IdNumberProvedElsewhere,
    InMemoryAccounts,
    PhoneTaken,
    UnknownPhoneCount,
)
from pensioncert.rules.lockout import LockoutPolicy, LockState

CREATED_AT = datetime(2026, 3, 1, 9, 30, 15, 123000, tzinfo=timezone.utc)
LATER = CREATED_AT + timedelta(hours=3)
PARALLEL = 8
POLICY = LockoutPolicy(3, timedelta(hours=24))


@pytest.fixture(params=["in_memory", "pynamodb"])
def repository(request) -> AccountRepository:
    if request.param == "in_memory":
        return InMemoryAccounts()
    request.getfixturevalue("svc")  # the emulator, and the tables bound to it
    from pensioncert.dal.accounts import PynamoDbAccounts

    return PynamoDbAccounts()


def new_key(prefix: str) -> str:
    return prefix + uuid.uuid4().hex  # the emulator's tables are shared by the session: every key is new


def account(*, phone: bool = True, **fields) -> Account:
    values: dict = {"user_id": new_key("u_"), "id_key": new_key("id-"), "id_sealed": "sealed-id", "name": "王建国",
                    "created_by": "phone" if phone else "card", "created_at": CREATED_AT}
    if phone:
        values.update(phone_key=new_key("ph-"), phone_sealed="sealed-phone")
    return Account(**{**values, **fields})


def stored(repository: AccountRepository, user_id: str) -> Account:
    found = repository.get(user_id, consistent=True)
    assert found is not None
    return found


def outcome(task):
    try:
        task()
        return None
    except (PhoneTaken, IdNumberProvedElsewhere) as refusal:
        return type(refusal).__name__


# Accounts and their claims

def test_a_created_account_reads_back_whole_by_id_and_by_phone(repository):
    full = account(failed_attempts=1, locked_until=LATER, failure_sources=frozenset({"a1"}), last_login_at=LATER,
                   token_version=2, real_name_verified=False)
    repository.create(full, "$argon2id$full")
    assert repository.get(full.user_id, consistent=True) == full
    assert full.phone_key is not None
    assert repository.find_by_phone(full.phone_key) == full
    credentials = repository.credentials_by_phone(full.phone_key)
    assert credentials is not None and (credentials.account, credentials.password_hash) == (full, "$argon2id$full")
    assert "argon2id" not in repr(credentials)
    assert repository.phone_is_registered(full.phone_key)
    # Registration reserves no ID number: only a proof claims it.
    assert repository.id_claim(full.id_key) is None and repository.proved_by(full.id_key) is None
    assert repository.find_by_id_key(full.id_key) is None


def test_a_missing_account_is_none(repository):
    assert repository.get(new_key("u_"), consistent=True) is None
    assert repository.find_by_phone(new_key("ph-")) is None and repository.credentials_by_phone(new_key("ph-")) is None
    assert not repository.phone_is_registered(new_key("ph-"))


def test_one_phone_one_account_under_a_race(repository):
    phone_key = new_key("ph-")
    contenders = [account(phone_key=phone_key) for _ in range(PARALLEL)]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda one: outcome(lambda: repository.create(one, "h")), contenders))
    assert outcomes.count(None) == 1 and outcomes.count("PhoneTaken") == PARALLEL - 1
    winner = contenders[outcomes.index(None)]
    assert repository.find_by_phone(phone_key) == winner
    # The losers wrote nothing: a transaction is all or nothing.
    assert [one for one in contenders if repository.get(one.user_id, consistent=True) is not None] == [winner]


def test_a_phone_taken_is_refused_and_the_first_stays(repository):
    first = account()
    repository.create(first, "h1")
    second = account(phone_key=first.phone_key)
    with pytest.raises(PhoneTaken):
        repository.create(second, "h2")
    assert repository.get(second.user_id, consistent=True) is None
    assert first.phone_key is not None
    credentials = repository.credentials_by_phone(first.phone_key)
    assert credentials is not None and credentials.password_hash == "h1"


def test_a_card_account_takes_its_id_claim_with_it(repository):
    card = account(phone=False)
    repository.create(card, claim_id=True)
    assert repository.id_claim(card.id_key) == IdClaim(card.user_id, proved=True, proved_with=CARD)
    assert repository.proved_by(card.id_key) == card.user_id
    assert repository.find_by_id_key(card.id_key) == card


def test_a_taken_id_claim_is_refused_and_the_first_stays(repository):
    first = account(phone=False)
    repository.create(first, claim_id=True)
    second = account(phone=False, id_key=first.id_key)
    with pytest.raises(IdNumberProvedElsewhere):
        repository.create(second, claim_id=True)
    assert repository.get(second.user_id, consistent=True) is None
    phone = account(id_key=first.id_key)
    repository.create(phone, "h")
    with pytest.raises(IdNumberProvedElsewhere):
        repository.bind_real_name(phone, proved_with="registry_photo")
    assert stored(repository, phone.user_id) == phone  # not verified, no token moved
    assert repository.proved_by(first.id_key) == first.user_id


def test_one_first_card_login_of_a_number_wins_a_race(repository):
    id_key = new_key("id-")
    contenders = [account(phone=False, id_key=id_key) for _ in range(PARALLEL)]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda one: outcome(lambda: repository.create(one, claim_id=True)), contenders))
    assert outcomes.count(None) == 1 and outcomes.count("IdNumberProvedElsewhere") == PARALLEL - 1
    assert repository.proved_by(id_key) == contenders[outcomes.index(None)].user_id


# Real-name binding

def test_binding_claims_the_number_marks_verified_and_moves_the_token_version(repository):
    mine = account(token_version=4)
    repository.create(mine, "h")
    after = repository.bind_real_name(mine, proved_with="registry_photo")
    assert after == stored(repository, mine.user_id)
    assert (after.real_name_verified, after.token_version) == (True, 5)
    assert repository.id_claim(mine.id_key) == IdClaim(mine.user_id, proved=True, proved_with="registry_photo")
    assert repository.find_by_id_key(mine.id_key) == after
    again = repository.bind_real_name(after, proved_with="authority")  # its own claim: taken again
    assert again.token_version == 6


def test_binding_is_conditional_one_of_a_race_wins(repository):
    id_key = new_key("id-")
    contenders = [account(id_key=id_key) for _ in range(PARALLEL)]
    for one in contenders:
        repository.create(one, "h")
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda one: outcome(lambda: repository.bind_real_name(one, proved_with="r")),
                                 contenders))
    assert outcomes.count(None) == 1 and outcomes.count("IdNumberProvedElsewhere") == PARALLEL - 1
    winner = contenders[outcomes.index(None)]
    assert repository.proved_by(id_key) == winner.user_id
    assert [one.user_id for one in contenders if stored(repository, one.user_id).real_name_verified] == [winner.user_id]


def test_an_unproved_claim_is_revoked_with_its_audit_and_only_then(repository):
    mine = account(token_version=1)
    repository.create(mine, "h")
    bound = repository.bind_real_name(mine)  # no proved_with: what the previous version stored
    event = {"actor": "import", "actor_name": "导入", "action": "claim_revoked", "target": "x", "region": None,
             "before": None, "after": None, "reason": "测试"}
    other = account()
    repository.create(other, "h")
    with pytest.raises(ClaimChanged):  # another account's claim
        repository.revoke_unproved_id_claim(mine.id_key, other.user_id, now=LATER, audit=event)
    repository.revoke_unproved_id_claim(mine.id_key, mine.user_id, now=LATER, audit=event)
    after = stored(repository, mine.user_id)
    assert (after.real_name_verified, after.token_version) == (False, bound.token_version + 1)
    assert repository.id_claim(mine.id_key) is None
    with pytest.raises(ClaimChanged):  # gone: nothing more to take back
        repository.revoke_unproved_id_claim(mine.id_key, mine.user_id, now=LATER, audit=event)
    card = account(phone=False)
    repository.create(card, claim_id=True)
    with pytest.raises(ClaimChanged):  # proved with the card: stays
        repository.revoke_unproved_id_claim(card.id_key, card.user_id, now=LATER, audit=event)


# The count of wrong passwords

def test_concurrent_wrong_passwords_each_count_once_and_the_lock_ends_the_tokens(repository):
    mine = account(token_version=7)
    repository.create(mine, "h")
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        states = list(pool.map(lambda n: repository.record_login_failure(mine, POLICY, CREATED_AT, f"a{n % 2}"),
                               range(PARALLEL)))
    after = stored(repository, mine.user_id)
    assert after.failed_attempts == 3 and after.locked_until == CREATED_AT + timedelta(hours=24)
    assert sorted(state.failed_attempts for state in states) == [1, 2] + [3] * (PARALLEL - 2)
    assert after.token_version == 8  # the failure that locked, once
    assert after.failure_sources <= {"a0", "a1"}


def test_a_right_password_clears_the_count_unless_locked(repository):
    mine = account()
    repository.create(mine, "h")
    repository.record_login_failure(mine, POLICY, CREATED_AT, "a1")
    after = repository.record_login_success(mine, LATER)
    assert after == stored(repository, mine.user_id)
    assert (after.lock_state, after.failure_sources, after.last_login_at) == (LockState(0, None), frozenset(), LATER)
    for _ in range(3):
        repository.record_login_failure(after, POLICY, LATER, "a2")
    locked = repository.record_login_success(after, LATER + timedelta(minutes=1))
    assert locked.lock_state == LockState(3, LATER + timedelta(hours=24)) and locked.last_login_at == LATER


def test_a_reset_and_an_unlock_clear_the_count(repository):
    mine = account(token_version=1)
    repository.create(mine, "old")
    for _ in range(3):
        repository.record_login_failure(mine, POLICY, CREATED_AT, "a1")
    repository.unlock(mine)
    unlocked = stored(repository, mine.user_id)
    assert (unlocked.lock_state, unlocked.failure_sources, unlocked.token_version) == (LockState(0, None), frozenset(), 2)
    repository.record_login_failure(unlocked, POLICY, LATER, "a1")
    repository.reset_password(unlocked, "new")
    reset = stored(repository, mine.user_id)
    assert (reset.lock_state, reset.failure_sources, reset.token_version) == (LockState(0, None), frozenset(), 3)
    assert mine.phone_key is not None
    credentials = repository.credentials_by_phone(mine.phone_key)
    assert credentials is not None and credentials.password_hash == "new"


def test_a_bound_phone_is_kept(repository):
    card = account(phone=False)
    repository.create(card, claim_id=True)
    repository.bind_phone(card, "bound-key", "bound-sealed")
    after = stored(repository, card.user_id)
    assert (after.bound_phone_key, after.bound_phone_sealed, after.phone_key) == ("bound-key", "bound-sealed", None)


# Phone numbers without an account

def test_an_unknown_phone_is_counted_like_an_account_and_forgotten(repository):
    phone_key = new_key("ph-")
    assert repository.unknown_phone_count(phone_key, CREATED_AT) == UnknownPhoneCount()
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        list(pool.map(lambda n: repository.record_unknown_phone_failure(
            phone_key, repository.unknown_phone_count(phone_key, CREATED_AT), POLICY, CREATED_AT, f"a{n % 2}"),
            range(PARALLEL)))
    count = repository.unknown_phone_count(phone_key, CREATED_AT)
    assert count.lock_state == LockState(3, CREATED_AT + timedelta(hours=24))
    assert count.failure_sources <= {"a0", "a1"} and count.failure_sources
    assert repository.unknown_phone_count(phone_key, CREATED_AT + UNKNOWN_PHONE_COUNT_LIFETIME) == UnknownPhoneCount()
