"""Certifications (one per subject per year, by the table's key) and failed attempts.

Each write carries the dashboard counters it moves in the same transaction (``dal/stats.py``).

Failed attempts are counted per operator (contract v1.2 "Proxies try on their own budget"): the
subject's own tries on the subject's item of the year, a contact's tries for that subject on an item
of their own (``budget_key``), each reserved and given back by conditional writes on that one item.
Every counted failure, whoever tried, is also logged on the subject's item (``failed_tries``).
"""
from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import size
from pynamodb.expressions.update import Action

from pensioncert import labels
from pensioncert.dal import stats
from pensioncert.dal.tables import AttemptTable, CertificationTable
from pensioncert.dal.transactions import (
    failed_transaction_items,
    is_conditional_failure,
    retry_conflicts,
    write_transaction,
)

# A transaction that meets another on a shared counter is cancelled with TransactionConflict
# rather than queued: it is sent again (``transactions.retry_conflicts``) this many times.
_CONFLICT_RETRIES = 20
_PROXY = "#proxy#"  # never in a subject key (an HMAC digest)
# Failures logged per subject and year (~100 bytes each, beside the frame prints on the same item):
# an honest year has a handful; past this the tries still count, the log stops growing.
MAX_FAILED_TRIES_LOGGED = 60


@dataclass(frozen=True)
class RegionCertification:
    """A stored certification as the fraud signals read it (admin/fraud_signals.py)."""

    subject_key: str
    year: int
    method: str
    certified_at: str  # ISO 8601, +08:00
    operator_user_id: str | None
    operator: str | None
    region: str
    similarity: float | None


@dataclass(frozen=True)
class FailedTry:
    at: datetime
    reason: str  # the contract code: LIVENESS_FAILED | FACE_MISMATCH
    by: str  # as the subject's side shows the operator: 本人 or a contact's masked name


def budget_key(subject_key: str, operator: str | None = None) -> str:
    """The attempts item counting ``operator``'s failed tries for the subject: the subject's own for
    the subject themself (``None``), one per contact's account otherwise."""
    return subject_key if operator is None else f"{subject_key}{_PROXY}{operator}"


def store_once(certification: CertificationTable, *, give_back_attempt: bool = False,
               budget: str | None = None) -> bool:
    """Store the year's certification unless one exists: False for every concurrent loser.
    ``give_back_attempt``: the attempt ``reserve_attempt`` counted for this certification (on
    ``budget``, the subject's own by default) is given back in the same transaction (a pass is not a
    failed attempt; one call fewer than apart)."""
    budget = budget or certification.subject_key
    deltas = _deltas_of(certification)
    give_back = give_back_attempt

    def write(transaction) -> None:
        transaction.save(certification, condition=CertificationTable.subject_key.does_not_exist())
        if give_back:
            transaction.update(AttemptTable(budget, int(certification.year)),
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
                release_attempt(budget, int(certification.year))
            return False
    return True


def new_certification_id() -> str:
    return "cert_" + secrets.token_hex(10)


def _deltas_of(certification: CertificationTable) -> Counter:
    """The dashboard counters one stored certification moves."""
    deltas = stats.certification_deltas(
        int(certification.year), certification.region, certification.unit,
        certification.method, certification.certified_at[5:7],
    )
    deltas.update(_source_deltas(certification))
    return deltas


@dataclass(frozen=True)
class Uncounted:
    """``store_uncounted``'s answer: whether this call stored its certification, and the year's
    stored certification when its counters are still to be moved (None: stored and counted)."""

    stored: bool
    pending: CertificationTable | None


def store_uncounted(subject_key: str, year: int, *, method: str, certified_at: str, operator: str, region: str,
                    unit: str, evidence: str, certification_id: str) -> Uncounted:
    """Store the year's certification unless one exists, by one conditional put and without its
    dashboard counters, marked ``counters_pending``: the batch write-back's write (data matching),
    whose counters ``count_pending`` moves in bulk afterwards. ``store_once`` moves them in the
    certification's own transaction, ~14 items: most of a decision's write cost.

    When the year's certification exists, ``pending`` is it if its counters are still to be moved
    (a try of a batch cut before counting, in this run or in an earlier one), so that whoever finds
    it counts it; None when it was counted (the app's, another door's, a counted batch)."""
    certification = CertificationTable(subject_key, year, method=method, certified_at=certified_at,
                                       operator=operator, region=region, unit=unit, evidence=evidence,
                                       certification_id=certification_id, counters_pending=True)
    try:
        certification.save(condition=CertificationTable.subject_key.does_not_exist())
        return Uncounted(stored=True, pending=certification)
    except PutError as error:
        if not is_conditional_failure(error):
            raise
    # A certification is never deleted, so the one that failed the condition is there.
    stored = CertificationTable.get(subject_key, year, consistent_read=True)
    # Ours when an earlier send was written and its answer lost (the SDK sent it again).
    return Uncounted(stored=stored.certification_id == certification_id,
                     pending=stored if stored.counters_pending else None)


# DynamoDB's most items in one transaction.
_TRANSACTION_ITEMS = 100


def count_pending(pending: list[CertificationTable]) -> int:
    """Move the dashboard counters of certifications ``store_uncounted`` left pending, in
    transactions of at most 100 items: each clears its certifications' mark on condition that it is
    still there and adds their summed counters, so each certification is counted exactly once,
    whoever counts it and however often (a chunk redone, another run, two at once). Returns how
    many this call counted."""
    counted = 0
    group: dict[tuple[str, int], CertificationTable] = {}
    keys: set = set()
    # A unit's certifications side by side: they share their counters, so a transaction holds more.
    for certification in sorted(pending, key=lambda c: (c.region, c.unit, c.subject_key)):
        key = (certification.subject_key, int(certification.year))
        if key in group:
            continue
        own = set(_deltas_of(certification))
        if group and len(group) + 1 + len(keys | own) > _TRANSACTION_ITEMS:
            counted += _count_group(list(group.values()))
            group, keys = {}, set()
        group[key] = certification
        keys |= own
    if group:
        counted += _count_group(list(group.values()))
    return counted


def _count_group(group: list[CertificationTable]) -> int:
    """One transaction for ``group`` (sent again without those another counter cleared first)."""
    remaining = group
    while remaining:
        deltas: Counter = Counter()
        for certification in remaining:
            deltas.update(_deltas_of(certification))

        def write(transaction, certifications=remaining) -> None:
            for certification in certifications:  # first: a failed condition's index is its position
                transaction.update(CertificationTable(certification.subject_key, certification.year),
                                   actions=[CertificationTable.counters_pending.remove()],
                                   condition=CertificationTable.counters_pending.exists())

        try:
            _transact(write, deltas, conditions=tuple(range(len(remaining))))
            return len(remaining)
        except _ConditionFailed as failed:
            counted_elsewhere = set(failed.items)
            remaining = [c for index, c in enumerate(remaining) if index not in counted_elsewhere]
    return 0


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


def for_year(subject_key: str, year: int) -> CertificationTable | None:
    try:
        return CertificationTable.get(subject_key, year, consistent_read=True)
    except DoesNotExist:
        return None


def history(subject_key: str) -> list[CertificationTable]:
    """Newest year first."""
    return list(CertificationTable.query(subject_key, scan_index_forward=False))


def in_region_since(region: str, since: str, *, method: str | None = None,
                    similarity_from: float | None = None, similarity_below: float | None = None
                    ) -> list[RegionCertification]:
    """The region's certifications from ``since`` (an ISO date or time, Beijing) on, by the region's
    time index; ``method`` and the similarity bounds (from inclusive, below exclusive) are server-side
    filters."""
    condition = None
    if method is not None:
        condition = CertificationTable.method == method
    if similarity_from is not None and similarity_below is not None:
        band = (CertificationTable.similarity >= similarity_from) & (CertificationTable.similarity < similarity_below)
        condition = band if condition is None else condition & band
    return [RegionCertification(item.subject_key, int(item.year), item.method, item.certified_at,
                                item.operator_user_id, item.operator, item.region,
                                None if item.similarity is None else float(item.similarity))
            for item in CertificationTable.by_region_time.query(
                region, CertificationTable.certified_at >= since, filter_condition=condition)]


def below_limit(limit: int):
    """The condition "this subject's year has fewer than ``limit`` failed attempts" (true for a
    subject with none, whose item does not exist)."""
    return AttemptTable.failed.does_not_exist() | (AttemptTable.failed < limit)


def reserve_attempt(subject_key: str, year: int, limit: int) -> bool:
    """Count an attempt as failed before it runs, if the year's limit allows one more; False at
    the limit. ``subject_key``: the budget's item (``budget_key``). The attempt is settled by ``record_failure(..., reserved=True)`` or given back by
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
                   region: str | None = None, reserved: bool = False, *,
                   operator: str | None = None, by: str = labels.BY_SELF) -> int:
    """Count a failed attempt atomically on ``operator``'s budget (with the dashboards' failure
    counters) and log it on the subject's item as ``by``; returns the budget's count after it.
    ``reserved``: already counted by ``reserve_attempt``. The region is read from the registry when
    not given."""
    if region is None:
        from pensioncert.dal import registry

        person = registry.get_person(subject_key)
        region = person.region if person else None
    budget = budget_key(subject_key, operator)
    entry = json.dumps({"at": now.isoformat(), "reason": reason, "by": by}, ensure_ascii=False)
    logged = True

    def write(transaction) -> None:
        count: list[Action] = [] if reserved else [AttemptTable.failed.add(1)]
        log = [AttemptTable.failed_tries.set((AttemptTable.failed_tries | []).append([entry]))] if logged else []
        subject_actions: list[Action] = [AttemptTable.last_reason.set(reason), AttemptTable.last_failed_at.set(now), *log]
        if budget == subject_key:
            subject_actions += count
        transaction.update(AttemptTable(subject_key, year), actions=subject_actions,
                           condition=_log_has_room() if logged else None)
        if budget != subject_key and count:
            transaction.update(AttemptTable(budget, year), actions=count)

    try:
        _transact(write, stats.failure_deltas(year, region, reason), conditions=(0,))
    except _ConditionFailed:  # the log is full: the failure counts all the same
        logged = False
        _transact(write, stats.failure_deltas(year, region, reason))
    return failures(budget, year)


def _log_has_room():
    return AttemptTable.failed_tries.does_not_exist() | (size(AttemptTable.failed_tries) < MAX_FAILED_TRIES_LOGGED)


def failed_tries(subject_key: str, year: int) -> list[FailedTry]:
    """The year's counted failures for the subject, whoever tried, oldest first."""
    try:
        item = AttemptTable.get(subject_key, year, consistent_read=True)
    except DoesNotExist:
        return []
    tries = [json.loads(entry) for entry in item.failed_tries or []]
    return [FailedTry(datetime.fromisoformat(t["at"]), t["reason"], t["by"]) for t in tries]


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
    """Run the transaction ``write`` builds, with the counters ``deltas`` moves (a conflict sends it
    again, with a fresh shard draw); _ConditionFailed (with the items' indexes) when only items of
    ``conditions`` failed their condition."""
    def once() -> None:
        try:
            with write_transaction() as transaction:
                write(transaction)
                stats.add_to_transaction(transaction, deltas)
        except TransactWriteError as error:
            failed = failed_transaction_items(error)
            if failed and set(failed) <= set(conditions):
                raise _ConditionFailed(failed) from None
            raise

    retry_conflicts(once, retries=_CONFLICT_RETRIES)
