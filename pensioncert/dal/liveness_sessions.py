"""The liveness sessions' store in DynamoDB (``repositories.liveness_sessions.SessionRepository``):
the only place that builds session items, their conditions and the opening's transaction (the
session, a unit of each daily cap and the yearly attempts' check), and takes a session once by a
conditional update.

The sessions themselves expire (TTL), so what the fraud signal "sessions opened without a
completion" needs is kept as a tally: per Beijing day, region of the person and account, the sessions
opened (once the opening's transaction succeeded) and completed (when a completion takes the
session), each an atomic ADD on an item of SessionTallyTable that expires after the signal's window."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from pensioncert.dal.admin_tables import SessionTallyTable
from pensioncert.dal.certifications import below_limit
from pensioncert.dal.tables import AttemptTable, LimitTable, LivenessSessionTable
from pensioncert.dal.transactions import (
    failed_transaction_items,
    is_conditional_failure,
    retry_conflicts,
    write_transaction,
)
from pensioncert.repositories.liveness_sessions import (
    AttemptsExhausted,
    CapReached,
    DayTally,
    LivenessSession,
    SessionExists,
    SessionNotTaken,
    YearlyAttempts,
    tally_scope,
)

__all__ = ["DayTally", "PynamoDbSessions", "create_counted", "day_tallies", "tally_scope"]

_CONFLICT_RETRIES = 5
_OPENED, _COMPLETED = "opened", "completed"
_SESSION_FAILED = -2


class PynamoDbSessions:
    """SessionRepository over the ``liveness-sessions`` table, the cap counters in the ``limits``
    table, the yearly attempts' items (``AttemptTable``) and the day tallies (``SessionTallyTable``)."""

    def open(self, session: LivenessSession, caps: Sequence[tuple[str, int]],
             attempts: YearlyAttempts | None = None) -> None:
        check = None
        if attempts is not None:
            check = (AttemptTable, attempts.key, attempts.year, below_limit(attempts.limit))
        refused = create_counted(_item(session), list(caps), check)
        if refused == -1:
            raise AttemptsExhausted
        if refused == _SESSION_FAILED:
            raise SessionExists(session.session_id)
        if refused is not None:
            raise CapReached(caps[refused][0], refused)

    def get(self, session_id: str) -> LivenessSession | None:
        try:
            return _record(LivenessSessionTable.get(session_id, consistent_read=True))
        except DoesNotExist:
            return None

    def take(self, session_id: str, *, user_id: str, purpose: str, now: datetime,
             challenges: Sequence[str]) -> LivenessSession:
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
                    & (table.challenges == list(challenges))
                ),
            )
        except UpdateError as error:
            if is_conditional_failure(error):
                raise SessionNotTaken(session_id) from None
            raise
        return _record(session)  # as the update left it (its answer holds the whole item)

    def store_outcome(self, session_id: str, status: int, body: str) -> None:
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

    def count_opened(self, session: LivenessSession) -> None:
        _count(session, _OPENED)

    def count_completed(self, session: LivenessSession) -> None:
        _count(session, _COMPLETED)

    def day_tallies(self, regions: Sequence[str] | None, days: list[str]) -> list[DayTally]:
        return day_tallies(regions, days)

    def counted(self, key: str) -> int:
        try:
            return int(LimitTable.get(key, consistent_read=True).counter or 0)
        except DoesNotExist:
            return 0


def _item(session: LivenessSession) -> LivenessSessionTable:
    return LivenessSessionTable(
        session.session_id,
        purpose=session.purpose,
        user_id=session.user_id,
        subject=session.subject,
        subject_key=session.subject_key,
        challenges=list(session.challenges),
        nonce=session.nonce,
        expires_at=session.expires_at,
        used_at=session.used_at,
        outcome_status=session.outcome_status,
        outcome_body=session.outcome_body,
        tally_scope=session.tally_scope,
        tally_expires_at=session.tally_expires_at,
    )


def _record(item: LivenessSessionTable) -> LivenessSession:
    return LivenessSession(
        session_id=item.session_id,
        purpose=item.purpose,
        user_id=item.user_id,
        subject=item.subject,
        subject_key=item.subject_key,
        challenges=tuple(item.challenges),
        nonce=item.nonce,
        expires_at=int(item.expires_at),
        used_at=item.used_at,
        outcome_status=None if item.outcome_status is None else int(item.outcome_status),
        outcome_body=item.outcome_body,
        tally_scope=item.tally_scope,
        tally_expires_at=None if item.tally_expires_at is None else int(item.tally_expires_at),
    )


def create_counted(session: LivenessSessionTable, counters: list[tuple[str, int]],
                   check=None) -> int | None:
    """Create the session in one transaction that adds one to each counter ``(key, limit)`` (an
    ADD conditioned on the counter being below its limit) and, when given, holds ``check`` =
    ``(model, hash_key, range_key, condition)``. None when the session was created; else the
    position of what refused it: -1 for ``check``, -2 for the session (another one with its id is
    stored), ``i`` for ``counters[i]``; nothing is written then. Concurrent opens can never take a
    counter past its limit. The opening's tally is not in the transaction (``count_opened``, after
    it: a tally for a review signal decides nothing)."""
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
                if save_position in failed:
                    return _SESSION_FAILED
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


def _count(session: LivenessSession, kind: str) -> None:
    if session.tally_scope and session.tally_expires_at is not None:
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
