"""Home-visit cases (上门认证). The agency's handling moves a case by conditional updates only."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from pensioncert.dal.errors import is_conditional_failure
from pensioncert.dal.tables import HomeVisitTable

# The statuses of a case still on the agency's queue.
QUEUE_STATUSES = ("open", "assigned", "scheduled")


def create(case: HomeVisitTable) -> None:
    case.save(condition=HomeVisitTable.case_id.does_not_exist())


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
    actions = [HomeVisitTable.status.set(to_status), HomeVisitTable.updated_at.set(now)]
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
