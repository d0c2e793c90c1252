"""Retiree accounts (app accounts): the record, what a store of them promises, and an in-memory store.

An account is a phone account (registered with a login phone and a password) or a card account
(made at the card's first login). Beside the accounts the store keeps the uniqueness claims: one
login phone one account (the phone's claim, written with the account), one proved ID number one
account (the ID claim, taken only by proof: real-name binding, or a card account at its creation;
typing an ID number at registration reserves nothing). An account carries its count of wrong
passwords with the address tags they came from, and its token version: every token carries the
version it was issued under, and a password reset, a lock and a binding add one.

Login phone numbers without an account are counted like accounts (``UnknownPhoneCount``), so a
login cannot tell the two apart; such a count is forgotten ``UNKNOWN_PHONE_COUNT_LIFETIME`` after
its last failure.

The password hash is not part of ``Account``: only ``credentials_by_phone``, read by the login,
carries it. The PynamoDB store is ``dal/accounts.PynamoDbAccounts``; why the record and the
interface sit here is told in ``repositories/contacts.py``. tests/integration/test_account_repository.py
holds both stores to this contract; the use cases' unit tests (tests/unit/test_account_use_cases.py)
use the in-memory one.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from pensioncert.repositories import Refused
from pensioncert.rules.lockout import LockoutPolicy, LockState

# An audit event's fields (``admin.audit.fields``), written by the store with the change it records.
AuditFields = dict[str, Any]

CARD = "card"  # an ID claim proved by the card and its PIN (``IdClaim.proved_with``)

# A phone number without an account keeps its failure count this long after its last failure, so
# that waiting for the count to vanish is no practical way to tell it from an account's (whose
# count has no end), while the counts of probed numbers still go away.
UNKNOWN_PHONE_COUNT_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class Account:
    """An account as the use cases see it (no password hash: see ``AccountCredentials``)."""

    user_id: str
    id_key: str  # the ID number's keyed hash (typed at registration, or the card's)
    id_sealed: str
    name: str
    created_by: str  # "phone" (registered) or "card" (first card login)
    created_at: datetime
    phone_key: str | None = None  # the login phone (a phone account's; unique)
    phone_sealed: str | None = None
    bound_phone_key: str | None = None  # a card account's bound phone: SMS only, not a login, not unique
    bound_phone_sealed: str | None = None
    real_name_verified: bool = False
    failed_attempts: int = 0
    locked_until: datetime | None = None
    failure_sources: frozenset[str] = frozenset()  # the address tags of the current count
    last_login_at: datetime | None = None
    token_version: int = 0

    @property
    def lock_state(self) -> LockState:
        return LockState(failed_attempts=self.failed_attempts, locked_until=self.locked_until)


@dataclass(frozen=True)
class AccountCredentials:
    """An account with its password hash: what checking a password needs, and only that."""

    account: Account
    password_hash: str | None = field(repr=False)


@dataclass(frozen=True)
class UnknownPhoneCount:
    """The wrong passwords counted on a login phone number that has no account."""

    failed_attempts: int = 0
    locked_until: datetime | None = None
    failure_sources: frozenset[str] = frozenset()

    @property
    def lock_state(self) -> LockState:
        return LockState(failed_attempts=self.failed_attempts, locked_until=self.locked_until)


@dataclass(frozen=True)
class IdClaim:
    """Who holds an ID number's claim. ``proved`` is False on a claim written at registration
    before issue 19's rule (the first proof takes it over); ``proved_with`` is ``CARD`` or the
    trusted reference the face matched, None on a claim proved by the card's portrait alone."""

    user_id: str
    proved: bool
    proved_with: str | None = None


class PhoneTaken(Refused):
    """Another account holds this login phone's claim."""


class IdNumberProvedElsewhere(Refused):
    """Another account proved this ID number first (real-name binding or a card's first login)."""


class ClaimChanged(Refused):
    """The ID claim is no longer the unproved one of this account (another proof took it)."""


class AccountRepository(Protocol):
    """What the use cases ask of the accounts' store. Each write is decided by the store at once
    (a conditional write, or a transaction), never by a read before it."""

    def create(self, account: Account, password_hash: str | None = None, *, claim_id: bool = False) -> None:
        """Store the account with its phone claim (when it has a login phone) in one write;
        ``claim_id``: a card account, proved by the card, takes the ID claim (proved with ``CARD``)
        in that write too. Raises PhoneTaken or IdNumberProvedElsewhere, writing nothing, when
        another account holds the phone or proved the ID number. A write of this account met again
        (a resend after a lost answer) is done, not refused."""

    def get(self, user_id: str, *, consistent: bool = False) -> Account | None:
        """The account (``consistent``: as last written), None when there is none."""

    def find_by_phone(self, phone_key: str) -> Account | None:
        """The account of this login phone (an index: eventually consistent), None when none."""

    def credentials_by_phone(self, phone_key: str) -> AccountCredentials | None:
        """The login phone's account and its password hash (one read of the index), None when none."""

    def phone_is_registered(self, phone_key: str) -> bool:
        """Whether an account holds this login phone's claim (a strongly consistent read)."""

    def id_claim(self, id_key: str) -> IdClaim | None:
        """The ID number's claim (a strongly consistent read), None when there is none."""

    def proved_by(self, id_key: str) -> str | None:
        """The user_id of the account that proved this ID number (binding or card), or None: never
        one that only typed it at registration."""

    def find_by_id_key(self, id_key: str) -> Account | None:
        """The account that proved this ID number (see ``proved_by``)."""

    def bind_real_name(self, account: Account, *, reference_embedding: list[float] | None = None,
                       proved_with: str | None = None) -> Account:
        """Real-name binding succeeded: in one write take the ID claim (proved, ``proved_with``),
        mark the account verified and add one to its token version; the account after it. Raises
        IdNumberProvedElsewhere, writing nothing, when another account proved the ID number (a
        claim of this account's own, or an unproved one, is taken)."""

    def revoke_unproved_id_claim(self, id_key: str, user_id: str, *, now: datetime, audit: AuditFields) -> None:
        """Take back the account's ID claim that no trusted face or card proved: the claim goes,
        the account is no longer verified and its tokens end, the audit event (at ``now``) in the
        same write. Raises ClaimChanged, writing nothing, when the claim is not (or no longer)
        this account's with no ``proved_with``."""

    # --- the account's count of wrong passwords ---

    def record_login_failure(self, account: Account, policy: LockoutPolicy, now: datetime,
                             source: str) -> LockState:
        """Count one wrong password from address tag ``source`` (a count that starts afresh starts
        its address tags afresh), from the count as stored when another writer changed it since
        ``account`` was read; the state after it (unchanged while a lock is in force). The failure
        that locks also adds one to the token version. Concurrent failures each count once."""

    def record_login_success(self, account: Account, now: datetime) -> Account:
        """A right password: unless a lock is in force, clear the count and its address tags and
        record ``last_login_at``; the account after it (its ``lock_state`` locked when a lock is in
        force, and nothing written)."""

    def reset_password(self, account: Account, password_hash: str) -> None:
        """A password reset: the new hash, the count and the lock cleared, one more token version."""

    def unlock(self, account: Account) -> None:
        """Staff unlock: the count and the lock go; the password and the token version stay."""

    def bind_phone(self, account: Account, phone_key: str, phone_sealed: str) -> None:
        """Record the phone a (card) account receives SMS on."""

    # --- login phone numbers without an account, counted like accounts ---

    def unknown_phone_count(self, phone_key: str, now: datetime) -> UnknownPhoneCount:
        """The count of a phone number with no account (empty once forgotten)."""

    def record_unknown_phone_failure(self, phone_key: str, seen: UnknownPhoneCount, policy: LockoutPolicy,
                                     now: datetime, source: str) -> LockState:
        """Count one wrong password on the number (``seen`` as ``unknown_phone_count`` read it), as
        ``record_login_failure`` does, and keep the count for ``UNKNOWN_PHONE_COUNT_LIFETIME``
        from ``now``; the state after it. Concurrent failures each count once."""


class InMemoryAccounts:
    """The AccountRepository in dicts, for tests without DynamoDB. A lock makes each write as atomic
    as DynamoDB's conditional write (or transaction); ``audit`` lists the events written with the
    changes (each ``{"now": ..., **fields}``)."""

    def __init__(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._hashes: dict[str, str | None] = {}
        self._claims: dict[str, IdClaim] = {}  # "phone#<key>" / "id#<key>" -> holder
        self._unknown: dict[str, tuple[UnknownPhoneCount, datetime]] = {}  # -> (count, forgotten at)
        self._lock = threading.Lock()
        self.audit: list[AuditFields] = []

    def create(self, account: Account, password_hash: str | None = None, *, claim_id: bool = False) -> None:
        with self._lock:
            if account.user_id in self._accounts:
                return  # this account's own write, met again
            if account.phone_key:
                holder = self._claims.get(_phone(account.phone_key))
                if holder is not None and holder.user_id != account.user_id:
                    raise PhoneTaken
            if claim_id and not self._id_free_or_mine(account.id_key, account.user_id):
                raise IdNumberProvedElsewhere
            if account.phone_key:
                self._claims[_phone(account.phone_key)] = IdClaim(account.user_id, proved=False)
            if claim_id:
                self._claims[_id(account.id_key)] = IdClaim(account.user_id, proved=True, proved_with=CARD)
            self._accounts[account.user_id] = account
            self._hashes[account.user_id] = password_hash

    def get(self, user_id: str, *, consistent: bool = False) -> Account | None:
        with self._lock:
            return self._accounts.get(user_id)

    def find_by_phone(self, phone_key: str) -> Account | None:
        with self._lock:
            return next((a for a in self._accounts.values() if a.phone_key == phone_key), None)

    def credentials_by_phone(self, phone_key: str) -> AccountCredentials | None:
        with self._lock:
            account = next((a for a in self._accounts.values() if a.phone_key == phone_key), None)
            return None if account is None else AccountCredentials(account, self._hashes[account.user_id])

    def phone_is_registered(self, phone_key: str) -> bool:
        with self._lock:
            return _phone(phone_key) in self._claims

    def id_claim(self, id_key: str) -> IdClaim | None:
        with self._lock:
            return self._claims.get(_id(id_key))

    def proved_by(self, id_key: str) -> str | None:
        with self._lock:
            claim = self._claims.get(_id(id_key))
            return claim.user_id if claim is not None and claim.proved else None

    def find_by_id_key(self, id_key: str) -> Account | None:
        user_id = self.proved_by(id_key)
        return self.get(user_id) if user_id else None

    def bind_real_name(self, account: Account, *, reference_embedding: list[float] | None = None,
                       proved_with: str | None = None) -> Account:
        with self._lock:
            if not self._id_free_or_mine(account.id_key, account.user_id):
                raise IdNumberProvedElsewhere
            stored = self._accounts.get(account.user_id)
            if stored is None:  # the DynamoDB transaction's condition on the account: no such account
                raise RuntimeError(f"no account {account.user_id}")
            self._claims[_id(account.id_key)] = IdClaim(account.user_id, proved=True, proved_with=proved_with)
            after = replace(stored, real_name_verified=True, token_version=stored.token_version + 1)
            self._accounts[account.user_id] = after
            return after

    def revoke_unproved_id_claim(self, id_key: str, user_id: str, *, now: datetime, audit: AuditFields) -> None:
        with self._lock:
            claim = self._claims.get(_id(id_key))
            stored = self._accounts.get(user_id)
            if claim is None or claim.user_id != user_id or claim.proved_with is not None:
                raise ClaimChanged
            if stored is None:  # the DynamoDB transaction's condition on the account: no such account
                raise RuntimeError(f"no account {user_id}")
            del self._claims[_id(id_key)]
            self._accounts[user_id] = replace(stored, real_name_verified=False,
                                              token_version=stored.token_version + 1)
            self.audit.append({"now": now, **audit})

    def record_login_failure(self, account: Account, policy: LockoutPolicy, now: datetime,
                             source: str) -> LockState:
        with self._lock:
            stored = self._accounts.get(account.user_id, account)
            seen = stored.lock_state
            if policy.is_locked(seen, now):
                return seen
            after = policy.after_failure(seen, now)
            sources = frozenset({source}) if policy.failures_so_far(seen, now) == 0 else stored.failure_sources | {source}
            changed = replace(stored, failed_attempts=after.failed_attempts, locked_until=after.locked_until,
                              failure_sources=sources)
            if after.locked_until:
                changed = replace(changed, token_version=changed.token_version + 1)
            self._accounts[account.user_id] = changed
            return after

    def record_login_success(self, account: Account, now: datetime) -> Account:
        with self._lock:
            stored = self._accounts.get(account.user_id, account)
            if stored.locked_until is not None and stored.locked_until > now:
                return stored
            after = replace(stored, failed_attempts=0, locked_until=None, failure_sources=frozenset(),
                            last_login_at=now)
            self._accounts[account.user_id] = after
            return after

    def reset_password(self, account: Account, password_hash: str) -> None:
        with self._lock:
            stored = self._accounts.get(account.user_id, account)
            self._accounts[account.user_id] = replace(stored, failed_attempts=0, locked_until=None,
                                                      failure_sources=frozenset(),
                                                      token_version=stored.token_version + 1)
            self._hashes[account.user_id] = password_hash

    def unlock(self, account: Account) -> None:
        with self._lock:
            stored = self._accounts.get(account.user_id, account)
            self._accounts[account.user_id] = replace(stored, failed_attempts=0, locked_until=None,
                                                      failure_sources=frozenset())

    def bind_phone(self, account: Account, phone_key: str, phone_sealed: str) -> None:
        with self._lock:
            stored = self._accounts.get(account.user_id, account)
            self._accounts[account.user_id] = replace(stored, bound_phone_key=phone_key,
                                                      bound_phone_sealed=phone_sealed)

    def unknown_phone_count(self, phone_key: str, now: datetime) -> UnknownPhoneCount:
        with self._lock:
            return self._unknown_count(phone_key, now)

    def record_unknown_phone_failure(self, phone_key: str, seen: UnknownPhoneCount, policy: LockoutPolicy,
                                     now: datetime, source: str) -> LockState:
        with self._lock:
            current = self._unknown_count(phone_key, now)
            if policy.is_locked(current.lock_state, now):
                return current.lock_state
            after = policy.after_failure(current.lock_state, now)
            sources = (frozenset({source}) if policy.failures_so_far(current.lock_state, now) == 0
                       else current.failure_sources | {source})
            self._unknown[phone_key] = (UnknownPhoneCount(after.failed_attempts, after.locked_until, sources),
                                        now + UNKNOWN_PHONE_COUNT_LIFETIME)
            return after

    def _unknown_count(self, phone_key: str, now: datetime) -> UnknownPhoneCount:
        count, forgotten_at = self._unknown.get(phone_key, (UnknownPhoneCount(), now))
        if forgotten_at <= now:  # past its lifetime: forgotten, as DynamoDB's TTL (checked in code) does
            self._unknown.pop(phone_key, None)
            return UnknownPhoneCount()
        return count

    def _id_free_or_mine(self, id_key: str, user_id: str) -> bool:
        claim = self._claims.get(_id(id_key))
        return claim is None or claim.user_id == user_id or not claim.proved


def _phone(phone_key: str) -> str:
    return f"phone#{phone_key}"


def _id(id_key: str) -> str:
    return f"id#{id_key}"
