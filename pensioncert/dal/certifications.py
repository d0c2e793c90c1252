"""Certifications (one per subject per year, by the table's key) and failed attempts.

Each write carries the dashboard counters it moves in the same transaction (``dal/stats.py``).
"""
from __future__ import annotations

import random
import time
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from pensioncert.dal import stats
from pensioncert.dal.errors import failed_transaction_items, is_conditional_failure
from pensioncert.dal.tables import AttemptTable, CertificationTable

# A transaction that meets another on a shared counter is cancelled with TransactionConflict
# rather than queued: it is retried, after a short random pause, this many times.
_CONFLICT_RETRIES = 20


def store_once(certification: CertificationTable, *, give_back_attempt: bool = False) -> bool:
    """Store the year's certification unless one exists: False for every concurrent loser.
    ``give_back_attempt``: the attempt ``reserve_attempt`` counted for this certification is given
    back in the same transaction (a pass is not a failed attempt; one call fewer than apart)."""
    deltas = stats.certification_deltas(
        int(certification.year), certification.region, certification.unit,
        certification.method, certification.certified_at[5:7],
    )
    deltas.update(_source_deltas(certification))
    give_back = give_back_attempt

    def write(transaction) -> None:
        transaction.save(certification, condition=CertificationTable.subject_key.does_not_exist())
        if give_back:
            transaction.update(AttemptTable(certification.subject_key, int(certification.year)),
                               actions=[AttemptTable.failed.add(-1)], condition=AttemptTable.failed > 0)

    while True:
        try:
            _transact(write, deltas, conditions=(0, 1) if give_back else (0,))
            break
        except _ConditionFailed as failed:
            if 0 not in failed.items:  # the attempts were reset meanwhile: nothing left to give back
                give_back = False
                continue
            # Ours after all when an earlier try was written but its answer was lost (the SDK retried):
            # that try gave the attempt back too.
            stored = for_year(certification.subject_key, int(certification.year))
            if stored is not None and stored.certification_id == certification.certification_id:
                return True
            if give_back and 1 not in failed.items:
                release_attempt(certification.subject_key, int(certification.year))
            return False
    _reinstate(certification)
    return True


def _source_deltas(certification: CertificationTable):
    """data_match: the overview's per-source coverage, ``certified#source#<event_type>`` once per
    event type that counted (province and region)."""
    from collections import Counter

    deltas: Counter = Counter()
    if certification.method == "data_match" and certification.evidence:
        import json

        year = int(certification.year)
        for event_type in sorted({event["event_type"] for event in json.loads(certification.evidence)}):
            for scope in (stats.year_scope(year), stats.year_scope(year, certification.region)):
                deltas[(scope, f"certified#source#{event_type}")] += 1
    return deltas


def _reinstate(certification: CertificationTable) -> None:
    """A certification by any method lifts a suspension for a missed year (issue 13): the person
    moves to the back-payment list with the months withheld (dal.life_events.reinstate). Also
    repaired by the yearly job, should this process end between the two writes."""
    from datetime import date

    from pensioncert.dal import life_events
    from pensioncert.rules.life_events import months_between

    for entry in life_events.open_suspensions(certification.subject_key):
        months = months_between(date.fromisoformat(entry.since), date.fromisoformat(certification.certified_at[:10]))
        life_events.reinstate(entry, certified_at=certification.certified_at, months=months)


def for_year(subject_key: str, year: int) -> CertificationTable | None:
    try:
        return CertificationTable.get(subject_key, year, consistent_read=True)
    except DoesNotExist:
        return None


def history(subject_key: str) -> list[CertificationTable]:
    """Newest year first."""
    return list(CertificationTable.query(subject_key, scan_index_forward=False))


def below_limit(limit: int):
    """The condition "this subject's year has fewer than ``limit`` failed attempts" (true for a
    subject with none, whose item does not exist)."""
    return AttemptTable.failed.does_not_exist() | (AttemptTable.failed < limit)


def reserve_attempt(subject_key: str, year: int, limit: int) -> bool:
    """Count an attempt as failed before it runs, if the year's limit allows one more; False at
    the limit. The attempt is settled by ``record_failure(..., reserved=True)`` or given back by
    ``release_attempt``: concurrent completions can never run more attempts than the limit."""
    try:
        AttemptTable(subject_key, year).update(actions=[AttemptTable.failed.add(1)],
                                               condition=below_limit(limit))
        return True
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise


def release_attempt(subject_key: str, year: int) -> None:
    """Give back a reserved attempt that did not fail (it passed, or never reached a decision)."""
    try:
        AttemptTable(subject_key, year).update(actions=[AttemptTable.failed.add(-1)],
                                               condition=AttemptTable.failed > 0)
    except UpdateError as error:
        if not is_conditional_failure(error):
            raise


def record_failure(subject_key: str, year: int, reason: str, now: datetime,
                   region: str | None = None, reserved: bool = False) -> int:
    """Count a failed attempt atomically (with the dashboards' failure counters); returns the
    year's count after it. ``reserved``: already counted by ``reserve_attempt``. The region is
    read from the registry when not given."""
    if region is None:
        from pensioncert.dal import registry

        person = registry.get_person(subject_key)
        region = person.region if person else None
    attempt = AttemptTable(subject_key, year)

    def write(transaction) -> None:
        transaction.update(attempt, actions=[
            *([] if reserved else [AttemptTable.failed.add(1)]),
            AttemptTable.last_reason.set(reason),
            AttemptTable.last_failed_at.set(now),
        ])

    _transact(write, stats.failure_deltas(year, region, reason))
    return failures(subject_key, year)


def failures(subject_key: str, year: int) -> int:
    try:
        return int(AttemptTable.get(subject_key, year, consistent_read=True).failed or 0)
    except DoesNotExist:
        return 0


def attempts(subject_key: str) -> list[AttemptTable]:
    """Failed attempts per year, newest first."""
    return list(AttemptTable.query(subject_key, scan_index_forward=False))


class _ConditionFailed(Exception):
    def __init__(self, items: list[int]) -> None:
        super().__init__(items)
        self.items = items


def _transact(write, deltas, conditions: tuple[int, ...] = ()) -> None:
    """Run the transaction ``write`` builds, with the counters ``deltas`` moves; _ConditionFailed
    (with the items' indexes) when only items of ``conditions`` failed their condition."""
    for attempt in range(_CONFLICT_RETRIES + 1):
        try:
            with stats.transact_write() as transaction:
                write(transaction)
                stats.add_to_transaction(transaction, deltas)
            return
        except TransactWriteError as error:
            failed = failed_transaction_items(error)
            if failed and set(failed) <= set(conditions):
                raise _ConditionFailed(failed) from None
            if not _is_conflict(error) or attempt == _CONFLICT_RETRIES:
                raise
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))


def _is_conflict(error: TransactWriteError) -> bool:
    reasons = error.cancellation_reasons or []
    return any(reason is not None and reason.code == "TransactionConflict" for reason in reasons)
