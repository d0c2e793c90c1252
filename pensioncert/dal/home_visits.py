"""The home-visit cases' store in DynamoDB (``repositories.home_visits.HomeVisitRepository``): the
only place that builds home-visit items and their conditions. The agency's handling moves a case by
conditional updates only.

A marker item (``LimitTable``) names a subject's latest case opened by ``create_unless_open``; it
moves to the new case in the same transaction that stores it, conditioned on still naming the case
that was read (and found off the queue), so two concurrent requests cannot both open a case.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from pensioncert.dal.tables import HomeVisitTable, LimitTable
from pensioncert.dal.transactions import (
    LostRace,
    failed_transaction_items,
    is_conditional_failure,
    retry_lost_races,
    write_transaction,
)
from pensioncert.repositories.home_visits import (
    QUEUE_STATUSES,
    CaseChanged,
    CaseExists,
    CaseOpen,
    HomeVisitCase,
    check_changes,
)

OPEN_CASE_PREFIX = "home-visit#"
_MAX_RACES = 20


class PynamoDbHomeVisits:
    """HomeVisitRepository over the ``home-visits`` table (its ``by_status_region`` index for the
    queue) and each subject's open-case marker in the ``limits`` table."""

    def create(self, case: HomeVisitCase) -> None:
        try:
            _item(case).save(condition=HomeVisitTable.case_id.does_not_exist())
        except PutError as error:
            if is_conditional_failure(error):
                raise CaseExists from None
            raise

    def create_unless_open(self, case: HomeVisitCase) -> None:
        marker = LimitTable(OPEN_CASE_PREFIX + case.subject_key)

        def attempt() -> None:
            try:
                latest = LimitTable.get(marker.key, consistent_read=True).case_id
            except DoesNotExist:
                latest = None
            current = self.get(latest) if latest else None
            if current is not None and current.status in QUEUE_STATUSES:
                raise CaseOpen(current)
            unchanged = LimitTable.case_id.does_not_exist() if latest is None else LimitTable.case_id == latest
            try:
                with write_transaction() as transaction:
                    # Items go out grouped by kind: the put is item 0, the update item 1.
                    transaction.save(_item(case), condition=HomeVisitTable.case_id.does_not_exist())
                    transaction.update(marker, actions=[LimitTable.case_id.set(case.case_id)], condition=unchanged)
            except TransactWriteError as error:
                failed = failed_transaction_items(error)
                if 0 in failed:
                    raise CaseExists from None
                if failed != [1]:
                    raise
                raise LostRace from None

        retry_lost_races(attempt, attempts=_MAX_RACES,
                         gives_up=RuntimeError("home-visit marker kept changing under concurrent writes"))

    def get(self, case_id: str) -> HomeVisitCase | None:
        try:
            return _record(HomeVisitTable.get(case_id, consistent_read=True))
        except DoesNotExist:
            return None

    def with_status(self, status: str, region: str | None = None) -> list[HomeVisitCase]:
        condition = HomeVisitTable.region_created.startswith(f"{region}#") if region else None
        return [_record(item) for item in HomeVisitTable.by_status_region.query(status, range_key_condition=condition)]

    def move(self, case_id: str, *, from_statuses: tuple[str, ...], to_status: str, now: datetime,
             **changes: object) -> HomeVisitCase:
        check_changes(changes)
        actions: list[Action] = [HomeVisitTable.status.set(to_status), HomeVisitTable.updated_at.set(now)]
        for name, value in changes.items():
            attribute = getattr(HomeVisitTable, name)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
        item = HomeVisitTable(case_id)
        try:
            item.update(actions=actions, condition=HomeVisitTable.status.is_in(*from_statuses))
        except UpdateError as error:
            if is_conditional_failure(error):
                raise CaseChanged from None
            raise
        return _record(item)  # as the update left it (its answer holds the whole item)


def _item(case: HomeVisitCase) -> HomeVisitTable:
    return HomeVisitTable(
        case.case_id,
        subject_key=case.subject_key,
        subject_id_sealed=case.subject_id_sealed,
        name=case.name,
        region=case.region,
        unit=case.unit,
        status=case.status,
        region_created=f"{case.region}#{case.created_at.isoformat()}",
        source=case.source,
        reason=case.reason,
        address_sealed=case.address_sealed,
        contact_phone_sealed=case.contact_phone_sealed,
        requested_by=case.requested_by,
        created_at=case.created_at,
        assigned_to=case.assigned_to,
        scheduled_for=case.scheduled_for,
        outcome=case.outcome,
        failure_reason=case.failure_reason,
        updated_at=case.updated_at,
        evidence_key=case.evidence_key,
        similarity=case.similarity,
        visited_on=case.visited_on,
        visit_address_sealed=case.visit_address_sealed,
        visited_by=case.visited_by,
        review_id=case.review_id,
    )


def _record(item: HomeVisitTable) -> HomeVisitCase:
    return HomeVisitCase(
        case_id=item.case_id,
        subject_key=item.subject_key,
        subject_id_sealed=item.subject_id_sealed,
        name=item.name,
        region=item.region,
        unit=item.unit,
        source=item.source,
        reason=item.reason,
        created_at=item.created_at,
        status=item.status,
        address_sealed=item.address_sealed,
        contact_phone_sealed=item.contact_phone_sealed,
        requested_by=item.requested_by,
        assigned_to=item.assigned_to,
        scheduled_for=item.scheduled_for,
        outcome=item.outcome,
        failure_reason=item.failure_reason,
        updated_at=item.updated_at,
        evidence_key=item.evidence_key,
        similarity=item.similarity,
        visited_on=item.visited_on,
        visit_address_sealed=item.visit_address_sealed,
        visited_by=item.visited_by,
        review_id=item.review_id,
    )
