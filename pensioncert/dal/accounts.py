"""Accounts and their uniqueness claims (one phone one account, one ID number one account)."""
from __future__ import annotations

from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from pensioncert.dal import lock_counter
from pensioncert.dal.errors import failed_transaction_items
from pensioncert.dal.tables import AccountTable, ClaimTable
from pensioncert.errors import AppError, ErrorCode
from pensioncert.rules.lockout import LockoutPolicy, LockState

lock_state_of = lock_counter.lock_state_of


def phone_claim(phone_key: str) -> str:
    return f"phone#{phone_key}"


def id_claim(id_key: str) -> str:
    return f"id#{id_key}"


def _connection() -> Connection:
    meta = AccountTable.Meta
    return Connection(region=meta.region, host=meta.host, max_retry_attempts=meta.max_retry_attempts)


def create(account: AccountTable) -> None:
    """Write the account with its claims in one transaction: all three or none."""
    claims = [ClaimTable(id_claim(account.id_key), user_id=account.user_id)]
    if account.phone_key:
        claims.insert(0, ClaimTable(phone_claim(account.phone_key), user_id=account.user_id))
    try:
        with TransactWrite(connection=_connection()) as transaction:
            for claim in claims:
                transaction.save(claim, condition=ClaimTable.claim.does_not_exist())
            transaction.save(account, condition=AccountTable.user_id.does_not_exist())
    except TransactWriteError as error:
        failed = failed_transaction_items(error)
        if not failed:
            raise
        if _claimed_by(claims[failed[0]].claim) == account.user_id:
            # botocore resent a transaction whose answer was lost: it met the claims it wrote itself.
            return
        if claims[failed[0]].claim.startswith("phone#"):
            raise AppError(ErrorCode.PHONE_ALREADY_REGISTERED) from None
        raise AppError(ErrorCode.ID_NUMBER_ALREADY_REGISTERED) from None


def _claimed_by(claim: str) -> str | None:
    try:
        return ClaimTable.get(claim, consistent_read=True).user_id
    except DoesNotExist:
        return None


def get(user_id: str) -> AccountTable | None:
    try:
        return AccountTable.get(user_id)
    except DoesNotExist:
        return None


def find_by_phone(phone_key: str) -> AccountTable | None:
    """One query on the phone index (its items carry the whole account, lock state included)."""
    for account in AccountTable.by_phone.query(phone_key, limit=1):
        return account
    return None


def phone_is_registered(phone_key: str) -> bool:
    try:
        ClaimTable.get(phone_claim(phone_key), consistent_read=True)
        return True
    except DoesNotExist:
        return False


def find_by_id_key(id_key: str) -> AccountTable | None:
    try:
        claim = ClaimTable.get(id_claim(id_key), consistent_read=True)
    except DoesNotExist:
        return None
    return get(claim.user_id)


def record_login_failure(account: AccountTable, policy: LockoutPolicy, now: datetime) -> LockState:
    return lock_counter.record_failure(AccountTable, account, policy, now)


def record_login_success(account: AccountTable, now: datetime) -> LockState:
    return lock_counter.record_success(
        AccountTable, account, now, extra_actions=[AccountTable.last_login_at.set(now)]
    )


def reset_password(account: AccountTable, password_hash: str) -> None:
    """A password reset by SMS also lifts any lock and clears the count."""
    lock_counter.clear(AccountTable, account, [AccountTable.password_hash.set(password_hash)])


def bind_phone(account: AccountTable, phone_key: str, phone_sealed: str) -> None:
    account.update(
        actions=[
            AccountTable.bound_phone_key.set(phone_key),
            AccountTable.bound_phone_sealed.set(phone_sealed),
        ]
    )


def mark_real_name_verified(account: AccountTable, reference_embedding: list[float]) -> None:
    account.update(actions=[
        AccountTable.real_name_verified.set(True),
        AccountTable.reference_embedding.set(reference_embedding),
    ])
