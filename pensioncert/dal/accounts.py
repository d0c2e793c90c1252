"""Accounts and their uniqueness claims: one phone one account, one proved ID number one account.

A registered account holds a ``phone#`` claim from the start; an ``id#`` claim is taken only by
proof (real-name binding, or a card account at its first card login), so typing someone's ID
number at registration reserves nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from pensioncert.dal import lock_counter
from pensioncert.dal.tables import AccountTable, ClaimTable, EphemeralTable
from pensioncert.dal.transactions import failed_transaction_items, is_conditional_failure, write_transaction
from pensioncert.rules.lockout import LockoutPolicy, LockState

lock_state_of = lock_counter.lock_state_of

# A phone number without an account keeps its failure count this long after its last failure, so
# that waiting for the count to vanish is no practical way to tell it from an account's (whose
# count has no end), while the items of probed numbers still go away.
CARD = "card"  # an ID claim proved by the card and its PIN (ClaimTable.proved_with)
UNKNOWN_PHONE_COUNT_LIFETIME = timedelta(days=30)



class PhoneTaken(Exception):
    """Another account holds this login phone's claim."""


class IdNumberProvedElsewhere(Exception):
    """Another account proved this ID number first (real-name binding or a card's first login)."""


def phone_claim(phone_key: str) -> str:
    return f"phone#{phone_key}"


def id_claim(id_key: str) -> str:
    return f"id#{id_key}"


def _id_free_or_mine(user_id: str):
    """An ID claim this account may take: none yet, its own, or an unproved one (see ClaimTable)."""
    return (
        ClaimTable.claim.does_not_exist()
        | (ClaimTable.user_id == user_id)
        | ClaimTable.proved.does_not_exist()
    )


def create(account: AccountTable, *, claim_id: bool = False) -> None:
    """Write the account with its phone claim (if it has a login phone) in one transaction.

    ``claim_id``: the account is a card account, proved by the card: it takes the ID claim in the
    same transaction (IdNumberProvedElsewhere when another account proved the ID first; PhoneTaken
    when another account holds the phone).
    """
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
            transaction.save(account, condition=AccountTable.user_id.does_not_exist())
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


def claim_id_number(account: AccountTable, *, reference_embedding: list[float] | None = None,
                    proved_with: str | None = None) -> None:
    """Real-name binding succeeded: in one transaction take the ID claim, mark the account
    verified and add one to its token version (earlier tokens die with the unverified state).

    Raises IdNumberProvedElsewhere when another account proved this ID number first.
    ``account`` is re-read afterwards, so it carries the new token version.
    """
    actions: list[Action] = [AccountTable.real_name_verified.set(True), AccountTable.token_version.add(1)]
    if reference_embedding is not None:
        actions.append(AccountTable.reference_embedding.set(reference_embedding))
    claim = ClaimTable(id_claim(account.id_key), user_id=account.user_id, proved=True, proved_with=proved_with)
    try:
        with write_transaction() as transaction:
            # One put and one update: the put comes first in the cancellation reasons.
            transaction.save(claim, condition=_id_free_or_mine(account.user_id))
            transaction.update(account, actions=actions, condition=AccountTable.user_id.exists())
    except TransactWriteError as error:
        failed = failed_transaction_items(error)
        if failed == [0]:
            raise IdNumberProvedElsewhere from None
        raise
    account.refresh(consistent_read=True)


def id_claim_item(id_key: str) -> ClaimTable | None:
    try:
        return ClaimTable.get(id_claim(id_key), consistent_read=True)
    except DoesNotExist:
        return None


def revoke_unproved_id_claim(id_key: str, user_id: str, *, now: datetime, audit: dict) -> bool:
    """Take back an ID claim no trusted face or card proved: the claim goes, the account is no
    longer verified and its tokens end, the audit event in the same transaction. False when the
    claim changed meanwhile (another proof took it)."""
    from pensioncert.dal import audit as audit_dal
    from pensioncert.dal.transactions import transact_if

    def fill(transaction) -> None:
        transaction.delete(ClaimTable(id_claim(id_key)), condition=(ClaimTable.user_id == user_id)
                           & ClaimTable.proved_with.does_not_exist())
        transaction.update(AccountTable(user_id), actions=[AccountTable.real_name_verified.set(False),
                                                           AccountTable.token_version.add(1)],
                           condition=AccountTable.user_id.exists())
        audit_dal.in_transaction(transaction, now=now, **audit)

    return transact_if(fill)


def _claimed_by(claim: str) -> str | None:
    try:
        return ClaimTable.get(claim, consistent_read=True).user_id
    except DoesNotExist:
        return None


def get(user_id: str, *, consistent: bool = False) -> AccountTable | None:
    try:
        return AccountTable.get(user_id, consistent_read=consistent)
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


def proved_by(id_key: str) -> str | None:
    """The user_id of the account that proved this ID number (binding or card), or None: never
    one that only typed it at registration."""
    try:
        claim = ClaimTable.get(id_claim(id_key), consistent_read=True)
    except DoesNotExist:
        return None
    return claim.user_id if claim.proved else None


def find_by_id_key(id_key: str) -> AccountTable | None:
    """The account that proved this ID number (see ``proved_by``)."""
    user_id = proved_by(id_key)
    return get(user_id) if user_id else None


def failure_sources(item) -> frozenset[str]:
    """The address tags the current count of wrong passwords came from (account or counter item)."""
    return frozenset(item.failed_from or ())


def _source_actions(table, source: str) -> dict:
    """The address goes into the set with the failure, in the same conditional write: a count
    that starts afresh starts the set afresh too."""
    return {"afresh_actions": [table.failed_from.set({source})],
            "again_actions": [table.failed_from.add({source})]}


def record_login_failure(account: AccountTable, policy: LockoutPolicy, now: datetime,
                         source: str) -> LockState:
    """Count a wrong password from address tag ``source``; the failure that locks also ends every
    token of the account."""
    return lock_counter.record_failure(AccountTable, account, policy, now,
                                       lock_actions=[AccountTable.token_version.add(1)],
                                       **_source_actions(AccountTable, source))


def record_login_success(account: AccountTable, now: datetime) -> LockState:
    return lock_counter.record_success(
        AccountTable, account, now,
        extra_actions=[AccountTable.last_login_at.set(now), AccountTable.failed_from.remove()],
    )


def reset_password(account: AccountTable, password_hash: str) -> None:
    """A password reset by SMS lifts any lock, clears the count and ends every earlier token."""
    lock_counter.clear(AccountTable, account, [AccountTable.password_hash.set(password_hash),
                                               AccountTable.token_version.add(1),
                                               AccountTable.failed_from.remove()])


def end_sessions(user_id: str) -> None:
    """Add one to the account's token version: every token issued so far answers 401."""
    try:
        AccountTable(user_id).update(actions=[AccountTable.token_version.add(1)],
                                     condition=AccountTable.user_id.exists())
    except UpdateError as error:
        if not is_conditional_failure(error):
            raise


def unlock(account: AccountTable) -> None:
    """Staff unlock: the count and the lock go; the password and the tokens stay as they are."""
    lock_counter.clear(AccountTable, account, [AccountTable.failed_from.remove()])


def bind_phone(account: AccountTable, phone_key: str, phone_sealed: str) -> None:
    account.update(
        actions=[
            AccountTable.bound_phone_key.set(phone_key),
            AccountTable.bound_phone_sealed.set(phone_sealed),
        ]
    )


# --- login phone numbers without an account: counted like accounts, so they look the same ---

def _unknown_phone_key(phone_key: str) -> str:
    return f"loginfail#{phone_key}"


def unknown_phone_counter(phone_key: str, now: datetime) -> EphemeralTable:
    """The failure counter of a phone number with no account (an empty one if none is current).

    TTL deletion is lazy, so an item past its ``expires_at`` is deleted here (conditioned on being
    the expired one) and the count starts afresh, as it would after the deletion.
    """
    return lock_counter.current_ephemeral(_unknown_phone_key(phone_key), now)


def record_unknown_phone_failure(counter: EphemeralTable, policy: LockoutPolicy,
                                 now: datetime, source: str) -> LockState:
    expires_at = int((now + UNKNOWN_PHONE_COUNT_LIFETIME).timestamp())
    return lock_counter.record_failure(EphemeralTable, counter, policy, now,
                                       extra_actions=[EphemeralTable.expires_at.set(expires_at)],
                                       **_source_actions(EphemeralTable, source))
