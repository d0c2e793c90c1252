"""Home-visit cases (上门认证). The agency's handling moves a case by conditional updates only."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from pensioncert.dal.tables import HomeVisitTable, LimitTable
from pensioncert.dal.transactions import (
    LostRace,
    failed_transaction_items,
    is_conditional_failure,
    retry_lost_races,
    write_transaction,
)

# The statuses of a case still on the agency's queue.
QUEUE_STATUSES = ("open", "assigned", "scheduled")


OPEN_CASE_PREFIX = "home-visit#"
_MAX_RACES = 20


def create(case: HomeVisitTable) -> None:
    case.save(condition=HomeVisitTable.case_id.does_not_exist())


def create_unless_open(case: HomeVisitTable) -> HomeVisitTable | None:
    """Create the case unless its subject already has one on the queue (returned instead).

    A marker item names the subject's latest app case; it moves to the new case only by a
    transaction conditioned on still naming the one that was read (and found closed), so two
    concurrent requests cannot both open a case.
    """
    marker = LimitTable(OPEN_CASE_PREFIX + case.subject_key)

    def attempt() -> HomeVisitTable | None:
        try:
            latest = LimitTable.get(marker.key, consistent_read=True).case_id
        except DoesNotExist:
            latest = None
        current = get(latest) if latest else None
        if current is not None and current.status in QUEUE_STATUSES:
            return current
        unchanged = LimitTable.case_id.does_not_exist() if latest is None else LimitTable.case_id == latest
        try:
            with write_transaction() as transaction:
                transaction.save(case, condition=HomeVisitTable.case_id.does_not_exist())
                transaction.update(marker, actions=[LimitTable.case_id.set(case.case_id)], condition=unchanged)
            return None
        except TransactWriteError as error:
            if failed_transaction_items(error) != [1]:
                raise
            raise LostRace from None

    return retry_lost_races(attempt, attempts=_MAX_RACES,
                            gives_up=RuntimeError("home-visit marker kept changing under concurrent writes"))


def open_cases(region: str | None = None) -> list[HomeVisitTable]:
    return cases_with_status("open", region)


def cases_with_status(status: str, region: str | None = None) -> list[HomeVisitTable]:
    condition = HomeVisitTable.region_created.startswith(f"{region}#") if region else None
    return list(HomeVisitTable.by_status_region.query(status, range_key_condition=condition))


def get(case_id: str) -> HomeVisitTable | None:
    try:
        return HomeVisitTable.get(case_id, consistent_read=True)
    except DoesNotExist:
        return None


def transition(case: HomeVisitTable, *, from_statuses: tuple[str, ...], to_status: str,
               now: datetime, **fields) -> bool:
    """Move the case to ``to_status`` (setting ``fields``; None removes) if its status is still
    one of ``from_statuses``; False when another change came first."""
    actions: list[Action] = [HomeVisitTable.status.set(to_status), HomeVisitTable.updated_at.set(now)]
    for name, value in fields.items():
        attribute = getattr(HomeVisitTable, name)
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    try:
        case.update(actions=actions, condition=HomeVisitTable.status.is_in(*from_statuses))
        return True
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise
