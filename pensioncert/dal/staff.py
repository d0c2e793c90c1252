"""Agency staff accounts and their server-side sessions.

A staff item holds the login failure counter (``lock_counter``'s conditional counter) and the
session version; a session item holds the version it was opened under. Every change to an account
goes with its audit event in one transaction (the change and its record land together or not at
all), and a change that must end the account's sessions adds one to the version in that write.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError

from pensioncert.dal import audit as audit_dal
from pensioncert.dal import lock_counter
from pensioncert.dal.admin_tables import StaffSessionTable, StaffTable
from pensioncert.dal.tables import EphemeralTable
from pensioncert.dal.transactions import failed_transaction_items, is_conditional_failure, save_if, write_transaction
from pensioncert.rules.lockout import LockState

lock_state_of = lock_counter.lock_state_of


def create(staff: StaffTable) -> bool:
    """False when the username is taken."""
    return save_if(staff, StaffTable.username.does_not_exist())


def create_audited(staff: StaffTable, audit: dict) -> bool:
    """Create the account and its audit event together; False when the username is taken."""
    values = staff.serialize()
    actions = [getattr(StaffTable, name).set(getattr(staff, name))
               for name in values if name != "username"]
    try:
        with write_transaction() as transaction:
            transaction.update(StaffTable(staff.username), actions=actions,
                               condition=StaffTable.username.does_not_exist())
            audit_dal.in_transaction(transaction, now=staff.created_at, **audit)
    except TransactWriteError as error:
        if failed_transaction_items(error):
            return False
        raise
    return True


def get(username: str) -> StaffTable | None:
    try:
        return StaffTable.get(username, consistent_read=True)
    except DoesNotExist:
        return None


def all_staff() -> list[StaffTable]:
    """Every staff account (dozens per province: the assignment list, not a dashboard)."""
    return sorted(StaffTable.scan(), key=lambda staff: staff.username)


def change(username: str, actions: list, audit: dict, now: datetime, *, end_sessions: bool) -> bool:
    """Apply ``actions`` to an existing account with its audit event, in one transaction;
    ``end_sessions`` adds one to the session version in the same write. False: no such account."""
    if end_sessions:
        actions = [*actions, StaffTable.session_version.add(1)]
    try:
        with write_transaction() as transaction:
            transaction.update(StaffTable(username), actions=actions,
                               condition=StaffTable.username.exists())
            audit_dal.in_transaction(transaction, now=now, **audit)
    except TransactWriteError as error:
        if failed_transaction_items(error):
            return False
        raise
    if end_sessions:
        for session in sessions_of(username):  # tidy: the version already refuses them
            _delete_session(session.session_key)
    return True


def record_failure(staff: StaffTable, policy, now: datetime) -> LockState:
    return lock_counter.record_failure(StaffTable, staff, policy, now)


def record_success(staff: StaffTable, now: datetime) -> LockState:
    return lock_counter.record_success(StaffTable, staff, now,
                                       extra_actions=[StaffTable.last_login_at.set(now)])


def unlock(staff: StaffTable) -> None:
    lock_counter.clear(StaffTable, staff)


# --- the backoff wait of one (address, user): only the address that guessed waits ----------------

# A pair's count of wrong passwords goes on across waits and is forgotten a day after its last one.
WAIT_COUNT_LIFETIME = timedelta(days=1)


def _wait_key(client: str, username: str) -> str:
    return f"staffwait#{client}#{username}"


def wait_counter(client: str, username: str, now: datetime) -> EphemeralTable:
    """The wrong-password count of ``username`` from address tag ``client`` (empty if none is current;
    an item past its TTL, which DynamoDB deletes lazily, is deleted here and starts afresh)."""
    return lock_counter.current_ephemeral(_wait_key(client, username), now)


def record_wait_failure(counter: EphemeralTable, policy, now: datetime) -> LockState:
    expires_at = int((now + WAIT_COUNT_LIFETIME).timestamp())
    return lock_counter.record_failure(EphemeralTable, counter, policy, now,
                                       extra_actions=[EphemeralTable.expires_at.set(expires_at)])


def clear_wait(client: str, username: str) -> None:
    EphemeralTable(_wait_key(client, username)).delete()


# --- sessions -------------------------------------------------------------------------------------


def session_key(session_id: str) -> str:
    """What the table keeps of a session id: its SHA-256 (a read of the table opens no session)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(session_id: str, staff: StaffTable, now: datetime, expires_at: int) -> None:
    StaffSessionTable(session_key(session_id), username=staff.username,
                      session_version=staff.session_version or 0, created_at=now,
                      expires_at=expires_at).save(condition=StaffSessionTable.session_key.does_not_exist())


def get_session(session_id: str) -> StaffSessionTable | None:
    try:
        return StaffSessionTable.get(session_key(session_id), consistent_read=True)
    except DoesNotExist:
        return None


def end_session(session_id: str) -> None:
    _delete_session(session_key(session_id))


def sessions_of(username: str) -> list[StaffSessionTable]:
    return list(StaffSessionTable.by_username.query(username))


def _delete_session(key: str) -> None:
    try:
        StaffSessionTable(key).delete()
    except DeleteError as error:
        if not is_conditional_failure(error):
            raise
