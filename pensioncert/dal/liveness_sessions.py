"""Liveness sessions: created with their challenges, taken once by a conditional update."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from pensioncert.dal.errors import is_conditional_failure, transact_if
from pensioncert.dal.tables import LivenessSessionTable


def create(session: LivenessSessionTable) -> None:
    session.save(condition=LivenessSessionTable.session_id.does_not_exist())


def create_if(session: LivenessSessionTable, model, hash_key, range_key, condition) -> bool:
    """Create the session in one transaction with a check of another item (the subject's yearly
    attempts): False, and no session, when the check fails."""
    def fill(transaction) -> None:
        transaction.condition_check(model, hash_key, range_key, condition=condition)
        transaction.save(session, condition=LivenessSessionTable.session_id.does_not_exist())

    return transact_if(fill)


def store_outcome(session_id: str, status: int, body: str) -> None:
    """Keep what the completion answered, once: a retry is answered from it."""
    try:
        LivenessSessionTable(session_id).update(
            actions=[LivenessSessionTable.outcome_status.set(status),
                     LivenessSessionTable.outcome_body.set(body)],
            condition=LivenessSessionTable.used_at.exists()
            & LivenessSessionTable.outcome_status.does_not_exist(),
        )
    except UpdateError as error:
        if not is_conditional_failure(error):
            raise


def get(session_id: str) -> LivenessSessionTable | None:
    """The session, or None when no such session exists (an unknown id is the caller's mistake)."""
    try:
        return LivenessSessionTable.get(session_id, consistent_read=True)
    except DoesNotExist:
        return None


def take(session_id: str, user_id: str, purpose: str, now: datetime,
         challenges: list[str]) -> LivenessSessionTable | None:
    """Mark the session used, if it is this user's, of this purpose, unexpired, unused and its
    challenges are ``challenges`` in that order; the session as stored after it, or None."""
    session = LivenessSessionTable(session_id)
    table = LivenessSessionTable
    try:
        session.update(
            actions=[table.used_at.set(now)],
            condition=(
                table.session_id.exists()
                & table.used_at.does_not_exist()
                & (table.user_id == user_id)
                & (table.purpose == purpose)
                & (table.expires_at > int(now.timestamp()))
                & (table.challenges == challenges)
            ),
        )
    except UpdateError as error:
        if is_conditional_failure(error):
            return None
        raise
    return session
