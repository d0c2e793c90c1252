"""The staff accounts' store in DynamoDB (``repositories.staff.StaffRepository``): the only place that
builds staff items, staff session items, the staff wait counters and their conditions.

A staff item holds the login failure counter (``lock_counter``'s conditional counter) and the
session version; a session item holds the version it was opened under. Every change to an account
goes with its audit event in one transaction (the change and its record land together or not at
all), and a change that must end the account's sessions adds one to the version in that write.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.expressions.update import Action

from pensioncert.dal import audit as audit_dal
from pensioncert.dal import lock_counter
from pensioncert.dal.admin_tables import StaffSessionTable, StaffTable
from pensioncert.dal.tables import EphemeralTable
from pensioncert.dal.transactions import failed_transaction_items, is_conditional_failure, save_if, write_transaction
from pensioncert.repositories.staff import (
    WAIT_COUNT_LIFETIME,
    AuditFields,
    SessionExists,
    StaffAccount,
    StaffCredentials,
    StaffNotFound,
    StaffSession,
    UsernameTaken,
    session_key,
)
from pensioncert.rules.lockout import LockState
from pensioncert.rules.staff_login import StaffLoginPolicy


class PynamoDbStaff:
    """StaffRepository over the ``staff`` table, the ``staff-sessions`` table (its ``by_username``
    index), the (address, user) wait counters in the ``ephemeral`` table and the audit table."""

    def create(self, account: StaffAccount, password_hash: str, audit: AuditFields | None = None) -> None:
        item = _item(account, password_hash)
        if audit is None:
            if not save_if(item, StaffTable.username.does_not_exist()):
                raise UsernameTaken
            return
        values = item.serialize()
        actions = [getattr(StaffTable, name).set(getattr(item, name))
                   for name in values if name != "username"]
        try:
            with write_transaction() as transaction:
                transaction.update(StaffTable(account.username), actions=actions,
                                   condition=StaffTable.username.does_not_exist())
                audit_dal.in_transaction(transaction, now=account.created_at, **audit)
        except TransactWriteError as error:
            if failed_transaction_items(error):
                raise UsernameTaken from None
            raise

    def get(self, username: str) -> StaffAccount | None:
        item = _read(username)
        return None if item is None else _record(item)

    def credentials(self, username: str) -> StaffCredentials | None:
        item = _read(username)
        return None if item is None else StaffCredentials(_record(item), item.password_hash)

    def all_staff(self) -> list[StaffAccount]:
        return sorted((_record(item) for item in StaffTable.scan()), key=lambda account: account.username)

    def change(self, username: str, *, now: datetime, audit: AuditFields, end_sessions: bool = False,
               active: bool | None = None, role: str | None = None, regions: tuple[str, ...] | None = None,
               password_hash: str | None = None, clear_failures: bool = False) -> None:
        actions: list[Action] = []
        if active is not None:
            actions.append(StaffTable.active.set(active))
        if role is not None:
            actions.append(StaffTable.role.set(role))
        if regions is not None:
            actions.append(StaffTable.regions.set(list(regions)))
        if password_hash is not None:
            actions.append(StaffTable.password_hash.set(password_hash))
        if clear_failures:
            actions += [StaffTable.failed_attempts.set(0), StaffTable.locked_until.remove()]
        if end_sessions:
            actions.append(StaffTable.session_version.add(1))
        try:
            with write_transaction() as transaction:
                transaction.update(StaffTable(username), actions=actions,
                                   condition=StaffTable.username.exists())
                audit_dal.in_transaction(transaction, now=now, **audit)
        except TransactWriteError as error:
            if failed_transaction_items(error):
                raise StaffNotFound from None
            raise
        if end_sessions:
            for session in self.sessions_of(username):  # tidy: the version already refuses them
                _delete_session(session.session_key)

    def record_failure(self, account: StaffAccount, policy: StaffLoginPolicy, now: datetime) -> LockState:
        # lock_counter asks of a policy only is_locked and after_failure, which StaffLoginPolicy has.
        return lock_counter.record_failure(StaffTable, _counter(account), policy, now)  # type: ignore[arg-type]

    def record_success(self, account: StaffAccount, now: datetime) -> LockState:
        return lock_counter.record_success(StaffTable, _counter(account), now,
                                           extra_actions=[StaffTable.last_login_at.set(now)])

    def wait_state(self, client: str, username: str, now: datetime) -> LockState:
        """An item past its TTL, which DynamoDB deletes lazily, is deleted here and starts afresh."""
        return lock_counter.lock_state_of(lock_counter.current_ephemeral(_wait_key(client, username), now))

    def record_wait_failure(self, client: str, username: str, seen: LockState, policy: StaffLoginPolicy,
                            now: datetime) -> LockState:
        counter = EphemeralTable(_wait_key(client, username), failed_attempts=seen.failed_attempts,
                                 locked_until=seen.locked_until)
        expires_at = int((now + WAIT_COUNT_LIFETIME).timestamp())
        return lock_counter.record_failure(EphemeralTable, counter, policy, now,  # type: ignore[arg-type]
                                           extra_actions=[EphemeralTable.expires_at.set(expires_at)])

    def clear_wait(self, client: str, username: str) -> None:
        EphemeralTable(_wait_key(client, username)).delete()

    def open_session(self, session_id: str, account: StaffAccount, now: datetime, expires_at: int) -> None:
        item = StaffSessionTable(session_key(session_id), username=account.username,
                                 session_version=account.session_version, created_at=now, expires_at=expires_at)
        try:
            item.save(condition=StaffSessionTable.session_key.does_not_exist())
        except PutError as error:
            if is_conditional_failure(error):
                raise SessionExists from None
            raise

    def get_session(self, session_id: str) -> StaffSession | None:
        try:
            return _session(StaffSessionTable.get(session_key(session_id), consistent_read=True))
        except DoesNotExist:
            return None

    def end_session(self, session_id: str) -> None:
        _delete_session(session_key(session_id))

    def sessions_of(self, username: str) -> list[StaffSession]:
        return [_session(item) for item in StaffSessionTable.by_username.query(username)]


def _read(username: str) -> StaffTable | None:
    try:
        return StaffTable.get(username, consistent_read=True)
    except DoesNotExist:
        return None


def _counter(account: StaffAccount) -> StaffTable:
    """The account's item as far as its failure counter goes: the update's key and the state its
    condition holds it to (``lock_counter`` re-reads the whole item when it lost a race)."""
    return StaffTable(account.username, failed_attempts=account.failed_attempts, locked_until=account.locked_until)


def _wait_key(client: str, username: str) -> str:
    return f"staffwait#{client}#{username}"


def _delete_session(key: str) -> None:
    try:
        StaffSessionTable(key).delete()
    except DeleteError as error:
        if not is_conditional_failure(error):
            raise


def _item(account: StaffAccount, password_hash: str) -> StaffTable:
    return StaffTable(
        account.username,
        display_name=account.display_name,
        role=account.role,
        regions=list(account.regions),
        password_hash=password_hash,
        active=account.active,
        failed_attempts=account.failed_attempts,
        locked_until=account.locked_until,
        created_at=account.created_at,
        last_login_at=account.last_login_at,
        session_version=account.session_version,
    )


def _record(item: StaffTable) -> StaffAccount:
    return StaffAccount(
        username=item.username,
        display_name=item.display_name,
        role=item.role,
        regions=tuple(item.regions or ()),
        created_at=item.created_at,
        active=bool(item.active),
        failed_attempts=int(item.failed_attempts or 0),
        locked_until=item.locked_until,
        last_login_at=item.last_login_at,
        session_version=int(item.session_version or 0),
    )


def _session(item: StaffSessionTable) -> StaffSession:
    return StaffSession(session_key=item.session_key, username=item.username,
                        session_version=int(item.session_version), created_at=item.created_at,
                        expires_at=int(item.expires_at))
