"""Liveness sessions: created with their challenges, taken once by a conditional update."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from pensioncert.dal.errors import is_conditional_failure
from pensioncert.dal.tables import LivenessSessionTable


def create(session: LivenessSessionTable) -> None:
    session.save(condition=LivenessSessionTable.session_id.does_not_exist())


def get(session_id: str) -> LivenessSessionTable | None:
    """The session, or None when no such session exists (an unknown id is the caller's mistake)."""
    try:
        return LivenessSessionTable.get(session_id, consistent_read=True)
    except DoesNotExist:
        return None


def take(session_id: str, user_id: str, purpose: str, now: datetime) -> LivenessSessionTable | None:
    """Mark the session used, if it is this user's, of this purpose, unexpired and unused."""
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
            ),
        )
    except UpdateError as error:
        if is_conditional_failure(error):
            return None
        raise
    return session
