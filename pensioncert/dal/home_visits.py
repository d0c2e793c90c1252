"""Home-visit cases (上门认证)."""
from __future__ import annotations

from pensioncert.dal.tables import HomeVisitTable


def create(case: HomeVisitTable) -> None:
    case.save(condition=HomeVisitTable.case_id.does_not_exist())


def open_cases(region: str | None = None) -> list[HomeVisitTable]:
    condition = HomeVisitTable.region_created.startswith(f"{region}#") if region else None
    return list(HomeVisitTable.by_status_region.query("open", range_key_condition=condition))
