"""Human reviews (人工复核): one open review per subject, decided once, by conditional writes only."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from pensioncert.dal import audit as audit_dal
from pensioncert.dal.tables import LimitTable, ReviewTable
from pensioncert.dal.transactions import (
    LostRace,
    failed_transaction_items,
    retry_lost_races,
    transact_if,
    write_transaction,
)

PENDING, DECIDED = "pending", "decided"
OPEN_REVIEW_PREFIX = "review#"
_MAX_RACES = 20


def create_unless_open(review: ReviewTable, audit: dict | None = None) -> ReviewTable | None:
    """Create the review unless its subject already has a pending one (returned instead).

    The marker item names the subject's latest review; it moves to the new one only in the new
    review's own transaction, conditioned on still naming the one that was read (and found
    decided), so two concurrent requests cannot both open a review. ``audit``: an audit event
    (``dal.audit`` fields) written in the same transaction.
    """
    marker = LimitTable(OPEN_REVIEW_PREFIX + review.subject_key)

    def attempt() -> ReviewTable | None:
        latest_id = _marker_review_id(review.subject_key)
        latest = get(latest_id) if latest_id else None
        if latest is not None and latest.state == PENDING:
            return latest
        unchanged = LimitTable.case_id.does_not_exist() if latest_id is None else LimitTable.case_id == latest_id
        try:
            with write_transaction() as transaction:
                transaction.save(review, condition=ReviewTable.review_id.does_not_exist())
                transaction.update(marker, actions=[LimitTable.case_id.set(review.review_id)], condition=unchanged)
                if audit:
                    audit_dal.in_transaction(transaction, now=review.created_at, **audit)
            return None
        except TransactWriteError as error:
            if failed_transaction_items(error) != [1]:
                raise
            raise LostRace from None

    return retry_lost_races(attempt, attempts=_MAX_RACES,
                            gives_up=RuntimeError("review marker kept changing under concurrent writes"))


def latest_for(subject_key: str) -> ReviewTable | None:
    """The subject's latest review (pending or decided), or None."""
    latest_id = _marker_review_id(subject_key)
    return get(latest_id) if latest_id else None


def _marker_review_id(subject_key: str) -> str | None:
    try:
        return LimitTable.get(OPEN_REVIEW_PREFIX + subject_key, consistent_read=True).case_id
    except DoesNotExist:
        return None


def get(review_id: str) -> ReviewTable | None:
    try:
        return ReviewTable.get(review_id, consistent_read=True)
    except DoesNotExist:
        return None


def with_state(state: str, region: str | None = None) -> list[ReviewTable]:
    """Reviews in ``state`` (of one region), oldest first: the queue index, no scan."""
    condition = ReviewTable.region_created.startswith(f"{region}#") if region else None
    return list(ReviewTable.by_state_region.query(state, range_key_condition=condition))


def decide(review: ReviewTable, *, outcome: str, by: str, by_name: str, reason: str, now: datetime,
           certification_id: str | None = None, home_visit_case_id: str | None = None,
           audit: dict | None = None) -> bool:
    """Record the decision once, with its audit event in the same transaction; False when the
    review was decided meanwhile."""
    actions = [ReviewTable.state.set(DECIDED), ReviewTable.outcome.set(outcome),
               ReviewTable.decided_by.set(by), ReviewTable.decided_by_name.set(by_name),
               ReviewTable.decided_at.set(now), ReviewTable.decision_reason.set(reason)]
    if certification_id:
        actions.append(ReviewTable.certification_id.set(certification_id))
    if home_visit_case_id:
        actions.append(ReviewTable.home_visit_case_id.set(home_visit_case_id))
    def fill(transaction) -> None:
        transaction.update(review, actions=actions, condition=ReviewTable.state == PENDING)
        if audit:
            audit_dal.in_transaction(transaction, now=now, **audit)

    return transact_if(fill)


