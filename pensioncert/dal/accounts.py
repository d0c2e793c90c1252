"""The accounts' store in DynamoDB (``repositories.accounts.AccountRepository``): the only place that
builds account items, uniqueness claims, the unknown-phone failure counters and their conditions.

One phone one account, one proved ID number one account: a registered account holds a ``phone#``
claim from the start (written with it in one transaction); an ``id#`` claim is taken only by proof
(real-name binding, in one transaction with the verified mark and the token version's move; or a
card account at its creation), so typing someone's ID number at registration reserves nothing. The
failure counters are ``lock_counter``'s conditional counters (with its ``failure_mark``).
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from pensioncert.dal import lock_counter
from pensioncert.dal.tables import AccountTable, ClaimTable, EphemeralTable
from pensioncert.dal.transactions import failed_transaction_items, transact_if, write_transaction
from pensioncert.repositories.accounts import (
    CARD,
    UNKNOWN_PHONE_COUNT_LIFETIME,
    Account,
    AccountCredentials,
    AuditFields,
    ClaimChanged,
    IdClaim,
    IdNumberProvedElsewhere,
    PhoneTaken,
    UnknownPhoneCount,
)
from pensioncert.rules.lockout import LockoutPolicy, LockState


class PynamoDbAccounts:
    """AccountRepository over the ``accounts`` table (its ``by_phone`` index), the ``claims`` table,
    the unknown-phone counters in the ``ephemeral`` table and the audit table."""

    def create(self, account: Account, password_hash: str | None = None, *, claim_id: bool = False) -> None:
        claims = []
        if account.phone_key:
            claims.append((ClaimTable(phone_claim(account.phone_key), user_id=account.user_id),
                           ClaimTable.claim.does_not_exist()))
        if claim_id:
            claims.append((ClaimTable(id_claim(account.id_key), user_id=account.user_id, proved=True,
                                      proved_with=CARD),
                           _id_free_or_mine(account.user_id)))
        try:
            with write_transaction() as transaction:
                for claim, condition in claims:
                    transaction.save(claim, condition=condition)
                transaction.save(_item(account, password_hash), condition=AccountTable.user_id.does_not_exist())
        except TransactWriteError as error:
            failed = failed_transaction_items(error)
            if not failed:
                raise
            if failed[0] >= len(claims):
                raise
            taken = claims[failed[0]][0].claim
            if _claimed_by(taken) == account.user_id:
                # botocore resent a transaction whose answer was lost: it met the claims it wrote itself.
                return
            if taken.startswith("phone#"):
                raise PhoneTaken from None
            raise IdNumberProvedElsewhere from None

    def get(self, user_id: str, *, consistent: bool = False) -> Account | None:
        item = _read(user_id, consistent=consistent)
        return None if item is None else _record(item)

    def find_by_phone(self, phone_key: str) -> Account | None:
        item = _by_phone(phone_key)
        return None if item is None else _record(item)

    def credentials_by_phone(self, phone_key: str) -> AccountCredentials | None:
        item = _by_phone(phone_key)
        return None if item is None else AccountCredentials(_record(item), item.password_hash)

    def phone_is_registered(self, phone_key: str) -> bool:
        return _claim(phone_claim(phone_key)) is not None

    def id_claim(self, id_key: str) -> IdClaim | None:
        item = _claim(id_claim(id_key))
        return None if item is None else IdClaim(item.user_id, proved=bool(item.proved), proved_with=item.proved_with)

    def proved_by(self, id_key: str) -> str | None:
        item = _claim(id_claim(id_key))
        return item.user_id if item is not None and item.proved else None

    def find_by_id_key(self, id_key: str) -> Account | None:
        user_id = self.proved_by(id_key)
        return self.get(user_id) if user_id else None

    def bind_real_name(self, account: Account, *, reference_embedding: list[float] | None = None,
                       proved_with: str | None = None) -> Account:
        actions: list[Action] = [AccountTable.real_name_verified.set(True), AccountTable.token_version.add(1)]
        if reference_embedding is not None:
            actions.append(AccountTable.reference_embedding.set(reference_embedding))
        claim = ClaimTable(id_claim(account.id_key), user_id=account.user_id, proved=True, proved_with=proved_with)
        item = AccountTable(account.user_id)
        try:
            with write_transaction() as transaction:
                # One put and one update: the put comes first in the cancellation reasons.
                transaction.save(claim, condition=_id_free_or_mine(account.user_id))
                transaction.update(item, actions=actions, condition=AccountTable.user_id.exists())
        except TransactWriteError as error:
            failed = failed_transaction_items(error)
            if failed == [0]:
                raise IdNumberProvedElsewhere from None
            raise
        item.refresh(consistent_read=True)
        return _record(item)

    def revoke_unproved_id_claim(self, id_key: str, user_id: str, *, now: datetime, audit: AuditFields) -> None:
        from pensioncert.dal import audit as audit_dal

        def fill(transaction) -> None:
            transaction.delete(ClaimTable(id_claim(id_key)), condition=(ClaimTable.user_id == user_id)
                               & ClaimTable.proved_with.does_not_exist())
            transaction.update(AccountTable(user_id), actions=[AccountTable.real_name_verified.set(False),
                                                               AccountTable.token_version.add(1)],
                               condition=AccountTable.user_id.exists())
            audit_dal.in_transaction(transaction, now=now, **audit)

        if not transact_if(fill):
            raise ClaimChanged

    def record_login_failure(self, account: Account, policy: LockoutPolicy, now: datetime,
                             source: str) -> LockState:
        return lock_counter.record_failure(AccountTable, _counter(account), policy, now,
                                           lock_actions=[AccountTable.token_version.add(1)],
                                           **_source_actions(AccountTable, source))

    def record_login_success(self, account: Account, now: datetime) -> Account:
        item = _counter(account)
        lock_counter.record_success(
            AccountTable, item, now,
            extra_actions=[AccountTable.last_login_at.set(now), AccountTable.failed_from.remove()],
        )
        return _record(item)  # the whole item: the update's answer (ALL_NEW), or the re-read

    def reset_password(self, account: Account, password_hash: str) -> None:
        lock_counter.clear(AccountTable, AccountTable(account.user_id),
                           [AccountTable.password_hash.set(password_hash), AccountTable.token_version.add(1),
                            AccountTable.failed_from.remove()])

    def unlock(self, account: Account) -> None:
        lock_counter.clear(AccountTable, AccountTable(account.user_id), [AccountTable.failed_from.remove()])

    def bind_phone(self, account: Account, phone_key: str, phone_sealed: str) -> None:
        AccountTable(account.user_id).update(actions=[
            AccountTable.bound_phone_key.set(phone_key),
            AccountTable.bound_phone_sealed.set(phone_sealed),
        ])

    def unknown_phone_count(self, phone_key: str, now: datetime) -> UnknownPhoneCount:
        """An item past its TTL, which DynamoDB deletes lazily, is deleted here and starts afresh."""
        item = lock_counter.current_ephemeral(_unknown_phone_key(phone_key), now)
        return UnknownPhoneCount(failed_attempts=int(item.failed_attempts or 0), locked_until=item.locked_until,
                                 failure_sources=frozenset(item.failed_from or ()))

    def record_unknown_phone_failure(self, phone_key: str, seen: UnknownPhoneCount, policy: LockoutPolicy,
                                     now: datetime, source: str) -> LockState:
        counter = EphemeralTable(_unknown_phone_key(phone_key), failed_attempts=seen.failed_attempts,
                                 locked_until=seen.locked_until)
        expires_at = int((now + UNKNOWN_PHONE_COUNT_LIFETIME).timestamp())
        return lock_counter.record_failure(EphemeralTable, counter, policy, now,
                                           extra_actions=[EphemeralTable.expires_at.set(expires_at)],
                                           **_source_actions(EphemeralTable, source))


def phone_claim(phone_key: str) -> str:
    return f"phone#{phone_key}"


def id_claim(id_key: str) -> str:
    return f"id#{id_key}"


def find_by_id_key(id_key: str) -> AccountTable | None:
    """The item of the account that proved this ID number, for the dal's own readers
    (dal/life_events.py); the use cases ask ``PynamoDbAccounts.find_by_id_key``."""
    user_id = PynamoDbAccounts().proved_by(id_key)
    return _read(user_id, consistent=False) if user_id else None


def _id_free_or_mine(user_id: str):
    """An ID claim this account may take: none yet, its own, or an unproved one (see ClaimTable)."""
    return (
        ClaimTable.claim.does_not_exist()
        | (ClaimTable.user_id == user_id)
        | ClaimTable.proved.does_not_exist()
    )


def _source_actions(table, source: str) -> dict:
    """The address goes into the set with the failure, in the same conditional write: a count
    that starts afresh starts the set afresh too."""
    return {"afresh_actions": [table.failed_from.set({source})],
            "again_actions": [table.failed_from.add({source})]}


def _claim(claim: str) -> ClaimTable | None:
    try:
        return ClaimTable.get(claim, consistent_read=True)
    except DoesNotExist:
        return None


def _claimed_by(claim: str) -> str | None:
    item = _claim(claim)
    return None if item is None else item.user_id


def _read(user_id: str, *, consistent: bool) -> AccountTable | None:
    try:
        return AccountTable.get(user_id, consistent_read=consistent)
    except DoesNotExist:
        return None


def _by_phone(phone_key: str) -> AccountTable | None:
    """One query on the phone index (its items carry the whole account, lock state included)."""
    for item in AccountTable.by_phone.query(phone_key, limit=1):
        return item
    return None


def _counter(account: Account) -> AccountTable:
    """The account's item as far as its failure counter goes: the update's key and the state its
    condition holds it to (``lock_counter`` re-reads the whole item when it lost a race)."""
    return AccountTable(account.user_id, failed_attempts=account.failed_attempts,
                        locked_until=account.locked_until,
                        failed_from=set(account.failure_sources) or None)


def _unknown_phone_key(phone_key: str) -> str:
    return f"loginfail#{phone_key}"


def _item(account: Account, password_hash: str | None) -> AccountTable:
    return AccountTable(
        account.user_id,
        phone_key=account.phone_key,
        phone_sealed=account.phone_sealed,
        bound_phone_key=account.bound_phone_key,
        bound_phone_sealed=account.bound_phone_sealed,
        id_key=account.id_key,
        id_sealed=account.id_sealed,
        name=account.name,
        password_hash=password_hash,
        created_by=account.created_by,
        real_name_verified=account.real_name_verified,
        failed_attempts=account.failed_attempts,
        locked_until=account.locked_until,
        failed_from=set(account.failure_sources) or None,
        created_at=account.created_at,
        last_login_at=account.last_login_at,
        token_version=account.token_version,
    )


def _record(item: AccountTable) -> Account:
    return Account(
        user_id=item.user_id,
        id_key=item.id_key,
        id_sealed=item.id_sealed,
        name=item.name,
        created_by=item.created_by,
        created_at=item.created_at,
        phone_key=item.phone_key,
        phone_sealed=item.phone_sealed,
        bound_phone_key=item.bound_phone_key,
        bound_phone_sealed=item.bound_phone_sealed,
        real_name_verified=bool(item.real_name_verified),
        failed_attempts=int(item.failed_attempts or 0),
        locked_until=item.locked_until,
        failure_sources=frozenset(item.failed_from or ()),
        last_login_at=item.last_login_at,
        token_version=int(item.token_version or 0),
    )
