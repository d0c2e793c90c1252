"""Staff accounts (经办人员账户): the record, what a store of them promises, and an in-memory store.

An account is an agency staff member's: a provincial administrator or an operator of some regions
(``admin/staff.py``). It carries the account's own count of wrong passwords (a captcha after
``captcha_after``), and the session version: every server-side session records the version it was
opened under, and a change that must end them (a password change or reset, a disable, a role
change, a revoke) adds one in the same write. Beside the accounts the store keeps the sessions and
each (address, user)'s count of wrong passwords, whose lock is a backoff wait for that address only
(``rules/staff_login.py``).

The password hash is not part of ``StaffAccount``: only ``credentials`` reads it, for the login and
the own password change that check a password against it.

The PynamoDB store is ``dal/staff.PynamoDbStaff``; why the record and the interface sit here is told
in ``repositories/contacts.py``. tests/integration/test_staff_repository.py holds both stores to
this contract; the use cases' unit tests (tests/unit/test_staff_use_cases.py) use the in-memory one.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from pensioncert.repositories import Refused
from pensioncert.rules.lockout import LockState
from pensioncert.rules.staff_login import StaffLoginPolicy

# An audit event's fields (``admin.audit.fields``), written by the store with the change it records.
AuditFields = dict[str, Any]

# A pair's count of wrong passwords goes on across waits and is forgotten a day after its last one.
WAIT_COUNT_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class StaffAccount:
    """A staff account as the use cases see it (no password hash: see ``StaffCredentials``)."""

    username: str
    display_name: str
    role: str  # province_admin | operator
    regions: tuple[str, ...]  # an operator's regions (地市); none for a provincial administrator
    created_at: datetime
    active: bool = True
    failed_attempts: int = 0  # the account's own count of wrong passwords
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    session_version: int = 0

    @property
    def lock_state(self) -> LockState:
        return LockState(failed_attempts=self.failed_attempts, locked_until=self.locked_until)


@dataclass(frozen=True)
class StaffCredentials:
    """An account with its password hash: what checking a password needs, and only that."""

    account: StaffAccount
    password_hash: str = field(repr=False)


@dataclass(frozen=True)
class StaffSession:
    """A signed-in session. The store keeps ``session_key`` (the id's SHA-256), never the id."""

    session_key: str
    username: str
    session_version: int
    created_at: datetime
    expires_at: int  # epoch seconds


def session_key(session_id: str) -> str:
    """What a store keeps of a session id: its SHA-256 (a read of the store opens no session)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class UsernameTaken(Refused):
    """An account with this username exists already."""


class StaffNotFound(Refused):
    """No account with this username."""


class SessionExists(Refused):
    """A session with this id exists already (ids are random: never in practice)."""


class StaffRepository(Protocol):
    """What the use cases ask of the staff accounts' store. Each write is decided by the store at
    once (a conditional write, or a transaction), never by a read before it."""

    def create(self, account: StaffAccount, password_hash: str, audit: AuditFields | None = None) -> None:
        """Store the account and, when given, the audit event (at ``created_at``) in the same write.
        Raises UsernameTaken, writing nothing, when the username is taken."""

    def get(self, username: str) -> StaffAccount | None:
        """The account as last written (a strongly consistent read), None when there is none."""

    def credentials(self, username: str) -> StaffCredentials | None:
        """The account and its password hash (one strongly consistent read), None when there is none."""

    def all_staff(self) -> list[StaffAccount]:
        """Every account, by username (dozens per province: the assignment list, not a dashboard)."""

    def change(self, username: str, *, now: datetime, audit: AuditFields, end_sessions: bool = False,
               active: bool | None = None, role: str | None = None, regions: tuple[str, ...] | None = None,
               password_hash: str | None = None, clear_failures: bool = False) -> None:
        """Change an existing account with its audit event (at ``now``) in one write: the fields
        given (None: unchanged); ``clear_failures`` zeroes its count of wrong passwords and lifts
        its lock; ``end_sessions`` adds one to the session version in that write (every open
        session ends at once), then deletes the account's sessions. Raises StaffNotFound, writing
        nothing, when there is no such account."""

    # --- the account's own count of wrong passwords ---

    def record_failure(self, account: StaffAccount, policy: StaffLoginPolicy, now: datetime) -> LockState:
        """Count one wrong password on the (existing) account, from its count as stored when
        another writer changed it since ``account`` was read; the state after it (unchanged while
        a lock is in force). Concurrent failures each count once."""

    def record_success(self, account: StaffAccount, now: datetime) -> LockState:
        """A right password: unless a lock is in force, clear the count and record ``last_login_at``;
        the state after it (the lock's when one is in force)."""

    # --- each (address, user)'s count of wrong passwords, forgotten a day after its last one ---

    def wait_state(self, client: str, username: str, now: datetime) -> LockState:
        """The count of ``username`` from address tag ``client`` (empty once forgotten)."""

    def record_wait_failure(self, client: str, username: str, seen: LockState, policy: StaffLoginPolicy,
                            now: datetime) -> LockState:
        """Count one wrong password on the pair (``seen`` as ``wait_state`` read it) and keep the
        count for ``WAIT_COUNT_LIFETIME`` from ``now``; the state after it. Concurrent failures
        each count once."""

    def clear_wait(self, client: str, username: str) -> None:
        """Forget the pair's count (a right password)."""

    # --- sessions ---

    def open_session(self, session_id: str, account: StaffAccount, now: datetime, expires_at: int) -> None:
        """Store a session of the account under its current session version. Raises SessionExists."""

    def get_session(self, session_id: str) -> StaffSession | None:
        """The session (a strongly consistent read), None when there is none (ended, or never)."""

    def end_session(self, session_id: str) -> None:
        """Delete the session (nothing when there is none)."""

    def sessions_of(self, username: str) -> list[StaffSession]:
        """The account's stored sessions. Eventually consistent in DynamoDB (an index)."""


class InMemoryStaff:
    """The StaffRepository in dicts, for tests without DynamoDB. A lock makes each write as atomic as
    DynamoDB's conditional write (or transaction); ``audit`` lists the events written with the
    changes (each ``{"now": ..., **fields}``), so a refused write is seen to have audited nothing."""

    def __init__(self) -> None:
        self._accounts: dict[str, StaffAccount] = {}
        self._hashes: dict[str, str] = {}
        self._waits: dict[tuple[str, str], tuple[LockState, datetime]] = {}  # -> (count, forgotten at)
        self._sessions: dict[str, StaffSession] = {}
        self._lock = threading.Lock()
        self.audit: list[AuditFields] = []

    def create(self, account: StaffAccount, password_hash: str, audit: AuditFields | None = None) -> None:
        with self._lock:
            if account.username in self._accounts:
                raise UsernameTaken
            self._accounts[account.username] = account
            self._hashes[account.username] = password_hash
            if audit is not None:
                self.audit.append({"now": account.created_at, **audit})

    def get(self, username: str) -> StaffAccount | None:
        with self._lock:
            return self._accounts.get(username)

    def credentials(self, username: str) -> StaffCredentials | None:
        with self._lock:
            account = self._accounts.get(username)
            return None if account is None else StaffCredentials(account, self._hashes[username])

    def all_staff(self) -> list[StaffAccount]:
        with self._lock:
            return sorted(self._accounts.values(), key=lambda account: account.username)

    def change(self, username: str, *, now: datetime, audit: AuditFields, end_sessions: bool = False,
               active: bool | None = None, role: str | None = None, regions: tuple[str, ...] | None = None,
               password_hash: str | None = None, clear_failures: bool = False) -> None:
        with self._lock:
            account = self._accounts.get(username)
            if account is None:
                raise StaffNotFound
            changes: dict[str, Any] = {name: value for name, value in (
                ("active", active), ("role", role), ("regions", tuple(regions) if regions is not None else None))
                if value is not None}
            if clear_failures:
                changes.update(failed_attempts=0, locked_until=None)
            if end_sessions:
                changes["session_version"] = account.session_version + 1
            self._accounts[username] = replace(account, **changes)
            if password_hash is not None:
                self._hashes[username] = password_hash
            self.audit.append({"now": now, **audit})
            if end_sessions:
                for key in [key for key, session in self._sessions.items() if session.username == username]:
                    del self._sessions[key]

    def record_failure(self, account: StaffAccount, policy: StaffLoginPolicy, now: datetime) -> LockState:
        with self._lock:
            stored = self._accounts.get(account.username, account)
            seen = stored.lock_state
            if policy.is_locked(seen, now):
                return seen
            after = policy.after_failure(seen, now)
            self._accounts[account.username] = replace(stored, failed_attempts=after.failed_attempts,
                                                       locked_until=after.locked_until)
            return after

    def record_success(self, account: StaffAccount, now: datetime) -> LockState:
        with self._lock:
            stored = self._accounts.get(account.username, account)
            if stored.locked_until is not None and stored.locked_until > now:
                return stored.lock_state
            self._accounts[account.username] = replace(stored, failed_attempts=0, locked_until=None,
                                                       last_login_at=now)
            return LockState(failed_attempts=0, locked_until=None)

    def wait_state(self, client: str, username: str, now: datetime) -> LockState:
        with self._lock:
            return self._wait(client, username, now)

    def record_wait_failure(self, client: str, username: str, seen: LockState, policy: StaffLoginPolicy,
                            now: datetime) -> LockState:
        with self._lock:
            current = self._wait(client, username, now)
            if policy.is_locked(current, now):
                return current
            after = policy.after_failure(current, now)
            self._waits[client, username] = (after, now + WAIT_COUNT_LIFETIME)
            return after

    def clear_wait(self, client: str, username: str) -> None:
        with self._lock:
            self._waits.pop((client, username), None)

    def open_session(self, session_id: str, account: StaffAccount, now: datetime, expires_at: int) -> None:
        key = session_key(session_id)
        with self._lock:
            if key in self._sessions:
                raise SessionExists
            self._sessions[key] = StaffSession(key, account.username, account.session_version, now, expires_at)

    def get_session(self, session_id: str) -> StaffSession | None:
        with self._lock:
            return self._sessions.get(session_key(session_id))

    def end_session(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_key(session_id), None)

    def sessions_of(self, username: str) -> list[StaffSession]:
        with self._lock:
            return [session for session in self._sessions.values() if session.username == username]

    def _wait(self, client: str, username: str, now: datetime) -> LockState:
        count, forgotten_at = self._waits.get((client, username), (LockState(0, None), now))
        if forgotten_at <= now:  # past its lifetime: forgotten, as DynamoDB's TTL (checked in code) does
            self._waits.pop((client, username), None)
            return LockState(failed_attempts=0, locked_until=None)
        return count
