"""The staff accounts' repository contract (pensioncert/repositories/staff.py), run against both
stores: the in-memory one and the PynamoDB one on the emulator. Each test states one promise of
``StaffRepository``; the use cases' unit tests (tests/unit/test_staff_use_cases.py) rely on the
in-memory store keeping exactly these."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from pensioncert.repositories.staff import (
    WAIT_COUNT_LIFETIME,
    InMemoryStaff,
    StaffAccount,
    StaffNotFound,
    StaffRepository,
    UsernameTaken,
    session_key,
)
from pensioncert.rules.lockout import LockState
from pensioncert.rules.staff_login import StaffLoginPolicy

CREATED_AT = datetime(2026, 3, 1, 9, 30, 15, 123000, tzinfo=timezone.utc)
LATER = CREATED_AT + timedelta(hours=3)
PARALLEL = 8
POLICY = StaffLoginPolicy(captcha_after=3, backoff_after=5)


@pytest.fixture(params=["in_memory", "pynamodb"])
def repository(request) -> StaffRepository:
    if request.param == "in_memory":
        return InMemoryStaff()
    request.getfixturevalue("svc")  # the emulator, and the tables bound to it
    from pensioncert.dal.staff import PynamoDbStaff

    return PynamoDbStaff()


def new_username() -> str:
    return "s" + uuid.uuid4().hex[:20]  # the emulator's tables are shared by the session: every key is new


def account(username: str | None = None, **fields) -> StaffAccount:
    return StaffAccount(**{"username": username or new_username(), "display_name": "王经办", "role": "operator",
                           "regions": ("西安市", "宝鸡市"), "created_at": CREATED_AT, **fields})


def event(action: str, target: str) -> dict:
    return {"actor": "pa", "actor_name": "省管理员", "action": action, "target": target, "region": None,
            "before": None, "after": None, "reason": "测试"}


def stored(repository: StaffRepository, username: str) -> StaffAccount:
    found = repository.get(username)
    assert found is not None
    return found


# Accounts

def test_a_created_account_reads_back_whole_with_its_hash_apart(repository):
    full = account(locked_until=LATER, failed_attempts=2, last_login_at=LATER, session_version=3)
    repository.create(full, "$argon2id$full")
    assert repository.get(full.username) == full
    credentials = repository.credentials(full.username)
    assert credentials is not None and (credentials.account, credentials.password_hash) == (full, "$argon2id$full")
    assert "argon2id" not in repr(credentials)
    admin = account(role="province_admin", regions=())
    repository.create(admin, "$argon2id$admin", event("staff_create", admin.username))
    assert repository.get(admin.username) == admin


def test_a_missing_account_is_none(repository):
    assert repository.get(new_username()) is None and repository.credentials(new_username()) is None


def test_a_username_taken_is_refused_and_the_first_stays(repository):
    first = account()
    repository.create(first, "$argon2id$first")
    with pytest.raises(UsernameTaken):
        repository.create(replace(first, display_name="李经办"), "$argon2id$second")
    with pytest.raises(UsernameTaken):
        repository.create(replace(first, display_name="李经办"), "$argon2id$second",
                          event("staff_create", first.username))
    assert repository.get(first.username) == first
    assert repository.credentials(first.username).password_hash == "$argon2id$first"


def test_concurrent_creates_of_one_username_store_one(repository):
    username = new_username()
    candidates = [account(username, display_name=f"经办{n}") for n in range(PARALLEL)]

    def create(candidate: StaffAccount) -> bool:
        try:
            repository.create(candidate, "$argon2id$" + candidate.display_name, event("staff_create", username))
        except UsernameTaken:
            return False
        return True

    with ThreadPoolExecutor(PARALLEL) as pool:
        created = list(pool.map(create, candidates))
    assert created.count(True) == 1
    winner = candidates[created.index(True)]
    assert stored(repository, username) == winner
    assert repository.credentials(username).password_hash == "$argon2id$" + winner.display_name


def test_every_account_is_listed_by_username(repository):
    mine = [account("zz" + new_username()), account("aa" + new_username())]
    for each in mine:
        repository.create(each, "h")
    listed = [a for a in repository.all_staff() if a in mine]
    assert listed == sorted(mine, key=lambda a: a.username)
    names = [a.username for a in repository.all_staff()]
    assert names == sorted(names)


# Changes

def test_a_change_sets_what_it_names_and_keeps_the_rest(repository):
    first = account(failed_attempts=4, locked_until=LATER)
    repository.create(first, "old-hash")
    repository.change(first.username, now=LATER, audit=event("staff_role", first.username),
                      role="province_admin", regions=())
    assert stored(repository, first.username) == replace(first, role="province_admin", regions=())
    repository.change(first.username, now=LATER, audit=event("staff_disable", first.username), active=False)
    assert stored(repository, first.username) == replace(first, role="province_admin", regions=(), active=False)
    repository.change(first.username, now=LATER, audit=event("staff_reset_password", first.username),
                      password_hash="new-hash", clear_failures=True)
    assert stored(repository, first.username) == replace(first, role="province_admin", regions=(), active=False,
                                                         failed_attempts=0, locked_until=None)
    assert repository.credentials(first.username).password_hash == "new-hash"


def test_a_change_that_ends_sessions_moves_the_version_and_deletes_them(repository):
    first = account()
    repository.create(first, "h")
    sid = "sid-" + uuid.uuid4().hex
    repository.open_session(sid, first, CREATED_AT, int(LATER.timestamp()))
    repository.change(first.username, now=LATER, audit=event("staff_revoke_sessions", first.username),
                      end_sessions=True)
    assert stored(repository, first.username).session_version == 1
    assert repository.get_session(sid) is None and repository.sessions_of(first.username) == []
    repository.change(first.username, now=LATER, audit=event("staff_enable", first.username), active=True)
    assert stored(repository, first.username).session_version == 1  # only a change that ends them moves it


def test_a_change_of_a_missing_account_is_refused_and_creates_nothing(repository):
    missing = new_username()
    with pytest.raises(StaffNotFound):
        repository.change(missing, now=LATER, audit=event("staff_disable", missing), active=False, end_sessions=True)
    assert repository.get(missing) is None


# The account's own count of wrong passwords

def test_failures_count_and_a_success_clears_them(repository):
    first = account()
    repository.create(first, "h")
    assert repository.record_failure(first, POLICY.without_waits(), LATER) == LockState(1, None)
    assert repository.record_failure(first, POLICY.without_waits(), LATER) == LockState(2, None)  # a stale read
    assert stored(repository, first.username).lock_state == LockState(2, None)
    assert repository.record_success(stored(repository, first.username), LATER) == LockState(0, None)
    after = stored(repository, first.username)
    assert (after.lock_state, after.last_login_at) == (LockState(0, None), LATER)


def test_a_success_during_a_lock_changes_nothing(repository):
    first = account(failed_attempts=5, locked_until=LATER)
    repository.create(first, "h")
    assert repository.record_success(first, CREATED_AT) == LockState(5, LATER)
    assert stored(repository, first.username) == first


def test_concurrent_failures_each_count_once(repository):
    first = account()
    repository.create(first, "h")
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(lambda _: repository.record_failure(first, POLICY.without_waits(), LATER), range(PARALLEL)))
    assert stored(repository, first.username).failed_attempts == PARALLEL


# The (address, user) wait

def test_a_pairs_failures_make_it_wait_and_are_forgotten_a_day_later(repository):
    client, username = uuid.uuid4().hex, new_username()
    assert repository.wait_state(client, username, CREATED_AT) == LockState(0, None)
    state = LockState(0, None)
    for _ in range(POLICY.backoff_after):
        state = repository.record_wait_failure(client, username, state, POLICY, CREATED_AT)
    assert state == LockState(POLICY.backoff_after, CREATED_AT + POLICY.first_wait)
    assert repository.wait_state(client, username, CREATED_AT) == state
    assert repository.wait_state(uuid.uuid4().hex, username, CREATED_AT) == LockState(0, None)  # another address
    # While it waits a failure counts nowhere.
    assert repository.record_wait_failure(client, username, state, POLICY, CREATED_AT) == state
    later = CREATED_AT + WAIT_COUNT_LIFETIME + timedelta(seconds=1)
    assert repository.wait_state(client, username, later) == LockState(0, None)


def test_a_right_password_clears_the_pairs_count(repository):
    client, username = uuid.uuid4().hex, new_username()
    repository.record_wait_failure(client, username, LockState(0, None), POLICY, CREATED_AT)
    repository.clear_wait(client, username)
    assert repository.wait_state(client, username, CREATED_AT) == LockState(0, None)


def test_concurrent_wait_failures_each_count_once(repository):
    client, username = uuid.uuid4().hex, new_username()
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(lambda _: repository.record_wait_failure(client, username, LockState(0, None),
                                                               StaffLoginPolicy(backoff_after=100), CREATED_AT),
                      range(PARALLEL)))
    assert repository.wait_state(client, username, CREATED_AT).failed_attempts == PARALLEL


# Sessions

def test_a_session_is_kept_by_its_ids_hash_under_the_accounts_version(repository):
    first = account(session_version=4)
    repository.create(first, "h")
    sid = "sid-" + uuid.uuid4().hex
    repository.open_session(sid, first, CREATED_AT, int(LATER.timestamp()))
    session = repository.get_session(sid)
    assert session is not None
    assert (session.session_key, session.username, session.session_version, session.created_at,
            session.expires_at) == (session_key(sid), first.username, 4, CREATED_AT, int(LATER.timestamp()))
    assert session.session_key != sid and repository.get_session(session.session_key) is None
    assert repository.sessions_of(first.username) == [session]
    repository.end_session(sid)
    assert repository.get_session(sid) is None and repository.sessions_of(first.username) == []
    repository.end_session(sid)  # ending it again is nothing
