"""The reviews' store in DynamoDB (``repositories.reviews.ReviewRepository``): the only place that
builds review items and their conditions. One open review per subject, decided once, by
conditional writes only; opening and deciding each write their audit event in the same transaction.

A marker item (``LimitTable``: ``review#<subject>``) names the subject's latest review; it moves to
a new review only in that review's own transaction, conditioned on still naming the one that was
read (and found decided), so two concurrent requests cannot both open a review.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from pensioncert.dal import audit as audit_dal
from pensioncert.dal.tables import LimitTable, ReviewTable
from pensioncert.dal.transactions import (
    LostRace,
    failed_transaction_items,
    retry_lost_races,
    transact_if,
    write_transaction,
)
from pensioncert.repositories.reviews import (
    DECIDED,
    PENDING,
    AuditFields,
    ReviewCase,
    ReviewDecided,
    ReviewExists,
    ReviewOpen,
    queue_order,
)

OPEN_REVIEW_PREFIX = "review#"
_MAX_RACES = 20


class PynamoDbReviews:
    """ReviewRepository over the ``reviews`` table (its ``by_state_region`` index for the queues),
    each subject's latest-review marker in the ``limits`` table, and the audit table."""

    def create_unless_open(self, review: ReviewCase, audit: AuditFields | None = None) -> None:
        marker = LimitTable(OPEN_REVIEW_PREFIX + review.subject_key)

        def attempt() -> None:
            latest_id = _marker_review_id(review.subject_key)
            latest = self.get(latest_id) if latest_id else None
            if latest is not None and latest.state == PENDING:
                raise ReviewOpen(latest)
            unchanged = LimitTable.case_id.does_not_exist() if latest_id is None else LimitTable.case_id == latest_id
            try:
                with write_transaction() as transaction:
                    # Items go out grouped by kind: the put is item 0, the marker's update item 1
                    # (the audit event, an update too, comes after it).
                    transaction.save(_item(review), condition=ReviewTable.review_id.does_not_exist())
                    transaction.update(marker, actions=[LimitTable.case_id.set(review.review_id)], condition=unchanged)
                    if audit:
                        audit_dal.in_transaction(transaction, now=review.created_at, **audit)
            except TransactWriteError as error:
                failed = failed_transaction_items(error)
                if 0 in failed:
                    raise ReviewExists from None
                if failed != [1]:
                    raise
                raise LostRace from None

        retry_lost_races(attempt, attempts=_MAX_RACES,
                         gives_up=RuntimeError("review marker kept changing under concurrent writes"))

    def get(self, review_id: str) -> ReviewCase | None:
        try:
            return _record(ReviewTable.get(review_id, consistent_read=True))
        except DoesNotExist:
            return None

    def latest_for(self, subject_key: str) -> ReviewCase | None:
        latest_id = _marker_review_id(subject_key)
        return self.get(latest_id) if latest_id else None

    def with_state(self, state: str, region: str | None = None) -> list[ReviewCase]:
        """The queue index, no scan."""
        condition = ReviewTable.region_created.startswith(f"{region}#") if region else None
        return [_record(item) for item in ReviewTable.by_state_region.query(state, range_key_condition=condition)]

    def decide(self, review_id: str, *, outcome: str, by: str, by_name: str, reason: str, now: datetime,
               audit: AuditFields | None = None) -> None:
        def fill(transaction) -> None:
            # Both are updates, kept in the order of adding: the review's is item 0 (transact_if's).
            transaction.update(ReviewTable(review_id), actions=[
                ReviewTable.state.set(DECIDED), ReviewTable.outcome.set(outcome), ReviewTable.decided_by.set(by),
                ReviewTable.decided_by_name.set(by_name), ReviewTable.decided_at.set(now),
                ReviewTable.decision_reason.set(reason)], condition=ReviewTable.state == PENDING)
            if audit:
                audit_dal.in_transaction(transaction, now=now, **audit)

        if not transact_if(fill):
            raise ReviewDecided

    def link(self, review_id: str, *, certification_id: str | None = None,
             home_visit_case_id: str | None = None) -> None:
        actions: list[Action] = []
        if certification_id is not None:
            actions.append(ReviewTable.certification_id.set(certification_id))
        if home_visit_case_id is not None:
            actions.append(ReviewTable.home_visit_case_id.set(home_visit_case_id))
        if actions:
            ReviewTable(review_id).update(actions=actions)


def _marker_review_id(subject_key: str) -> str | None:
    try:
        return LimitTable.get(OPEN_REVIEW_PREFIX + subject_key, consistent_read=True).case_id
    except DoesNotExist:
        return None


def _item(review: ReviewCase) -> ReviewTable:
    return ReviewTable(
        review.review_id,
        kind=review.kind,
        subject_key=review.subject_key,
        subject_id_sealed=review.subject_id_sealed,
        name=review.name,
        region=review.region,
        unit=review.unit,
        year=review.year,
        state=review.state,
        region_created=queue_order(review),
        requested_by=review.requested_by,
        created_at=review.created_at,
        due_by=review.due_by,
        session_id=review.session_id,
        case_id=review.case_id,
        evidence_key=review.evidence_key,
        failure_code=review.failure_code,
        failure_detail=review.failure_detail,
        similarity=review.similarity,
        review_band=review.review_band,
        reference=review.reference,
        visited_on=review.visited_on,
        visit_address_sealed=review.visit_address_sealed,
        visited_by=review.visited_by,
        outcome=review.outcome,
        decided_by=review.decided_by,
        decided_by_name=review.decided_by_name,
        decided_at=review.decided_at,
        decision_reason=review.decision_reason,
        certification_id=review.certification_id,
        home_visit_case_id=review.home_visit_case_id,
    )


def _record(item: ReviewTable) -> ReviewCase:
    return ReviewCase(
        review_id=item.review_id,
        kind=item.kind,
        subject_key=item.subject_key,
        subject_id_sealed=item.subject_id_sealed,
        name=item.name,
        region=item.region,
        unit=item.unit,
        year=int(item.year),
        requested_by=item.requested_by,
        created_at=item.created_at,
        due_by=item.due_by,
        state=item.state,
        session_id=item.session_id,
        case_id=item.case_id,
        evidence_key=item.evidence_key,
        failure_code=item.failure_code,
        failure_detail=item.failure_detail,
        similarity=item.similarity,
        review_band=item.review_band,
        reference=item.reference,
        visited_on=item.visited_on,
        visit_address_sealed=item.visit_address_sealed,
        visited_by=item.visited_by,
        outcome=item.outcome,
        decided_by=item.decided_by,
        decided_by_name=item.decided_by_name,
        decided_at=item.decided_at,
        decision_reason=item.decision_reason,
        certification_id=item.certification_id,
        home_visit_case_id=item.home_visit_case_id,
    )
