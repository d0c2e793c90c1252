"""Liveness sessions: created with their challenges (and a unit of each daily cap, in one
transaction), taken once by a conditional update.

The sessions themselves expire (TTL), so what the fraud signal "sessions opened without a
completion" needs is kept as a tally: per Beijing day, region of the person and account, the sessions
opened (once the opening's transaction succeeded) and completed (when a completion takes the
session), each an atomic ADD on an item of SessionTallyTable that expires after the signal's window."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from pensioncert.dal.admin_tables import SessionTallyTable
from pensioncert.dal.tables import LimitTable, LivenessSessionTable
from pensioncert.dal.transactions import (
    failed_transaction_items,
    is_conditional_failure,
    retry_conflicts,
    write_transaction,
)

_CONFLICT_RETRIES = 5
_OPENED, _COMPLETED = "opened", "completed"


@dataclass(frozen=True)
class DayTally:
    """One account's sessions of one Beijing day for people of one region."""

    day: str  # YYYYMMDD
    region: str
    user_id: str
    opened: int
    completed: int


def tally_scope(region: str, day: str) -> str:
    """What a session keeps of the tally it counts in: its Beijing day (YYYYMMDD) and the person's
    region. The tallies of one day share a partition (``sessions#day#<day>``, items
    ``<region>#opened#<user_id>`` / ``<region>#completed#<user_id>``), so the provincial view reads
    one partition a day and an operator's the items of their regions in it."""
    return f"{day}#{region}"


def create_counted(session: LivenessSessionTable, counters: list[tuple[str, int]],
                   check=None) -> int | None:
    """Create the session in one transaction that adds one to each counter ``(key, limit)`` (an
    ADD conditioned on the counter being below its limit) and, when given, holds ``check`` =
    ``(model, hash_key, range_key, condition)``. None when the session was created; else the
    position of what refused it: -1 for ``check``, ``i`` for ``counters[i]``; nothing is written
    then. Concurrent opens can never take a counter past its limit. The opening's tally is not in
    the transaction (``count_opened``, after it: a tally for a review signal decides nothing)."""
    def once() -> int | None:
        try:
            with write_transaction() as transaction:
                if check is not None:
                    model, hash_key, range_key, condition = check
                    transaction.condition_check(model, hash_key, range_key, condition=condition)
                transaction.save(session, condition=LivenessSessionTable.session_id.does_not_exist())
                for key, limit in counters:
                    transaction.update(
                        LimitTable(key), actions=[LimitTable.counter.add(1)],
                        condition=LimitTable.counter.does_not_exist() | (LimitTable.counter < limit))
            return None
        except TransactWriteError as error:
            # PynamoDB sends condition checks, then puts, then updates (dal/transactions.py).
            save_position = 1 if check is not None else 0
            first_counter = save_position + 1
            failed = failed_transaction_items(error)
            if save_position in failed and _is_stored(session):
                # The SDK sent the transaction again after its answer was lost, and the send that
                # landed wrote the session and its units: this open is done, counted once.
                return None
            if failed:
                if check is not None and 0 in failed:
                    return -1
                counters_failed = [i - first_counter for i in failed if i >= first_counter]
                if counters_failed and len(counters_failed) == len(failed):
                    return counters_failed[0]
            raise

    return retry_conflicts(once, retries=_CONFLICT_RETRIES)


def _is_stored(session: LivenessSessionTable) -> bool:
    """The session is stored as this process made it (its nonce is drawn per session)."""
    try:
        stored = LivenessSessionTable.get(session.session_id, consistent_read=True)
    except DoesNotExist:
        return False
    return stored.nonce == session.nonce


def count_opened(session: LivenessSessionTable) -> None:
    """Add one to the opened sessions of the session's day tally (none without a ``tally_scope``)."""
    _count(session, _OPENED)


def count_completed(session: LivenessSessionTable) -> None:
    """Add one to the completed sessions of the tally the session's opening counted in."""
    _count(session, _COMPLETED)


def _count(session: LivenessSessionTable, kind: str) -> None:
    if session.tally_scope:
        day, _, region = session.tally_scope.partition("#")
        SessionTallyTable(_day_partition(day), f"{region}#{kind}#{session.user_id}").update(
            actions=[SessionTallyTable.value.add(1), SessionTallyTable.expires_at.set(int(session.tally_expires_at))])


def _day_partition(day: str) -> str:
    return f"sessions#day#{day}"


def day_tallies(regions: Sequence[str] | None, days: list[str]) -> list[DayTally]:
    """The accounts' opened and completed sessions on each of ``days`` (YYYYMMDD) for people of
    ``regions`` (None: every region): a query per day, or per day and region."""
    counts: dict[tuple[str, str, str], dict[str, int]] = {}
    for day in days:
        queries = ([SessionTallyTable.query(_day_partition(day))] if regions is None else
                   [SessionTallyTable.query(_day_partition(day), SessionTallyTable.metric.startswith(f"{region}#"))
                    for region in regions])
        for item in (item for query in queries for item in query):
            region, kind, user_id = item.metric.rsplit("#", 2)
            counts.setdefault((day, region, user_id), {})[kind] = int(item.value or 0)
    return [DayTally(day, region, user_id, tally.get("opened", 0), tally.get("completed", 0))
            for (day, region, user_id), tally in sorted(counts.items())]


def counted(key: str) -> int:
    """A counter's value (a read: for answers and tests, never for deciding)."""
    try:
        return int(LimitTable.get(key, consistent_read=True).counter or 0)
    except DoesNotExist:
        return 0


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
