"""Record corrections by the agency (姓名 / 待遇状态), effective from the next day (Beijing time)."""
from __future__ import annotations

from datetime import timedelta

from pensioncert import normalize
from pensioncert.clock import beijing_date
from pensioncert.dal import registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic.registry_import import STATUSES


def correct_record(svc, id_number: str, *, name: str | None = None, status: str | None = None) -> dict:
    """Schedule the correction; returns the record before it and the effective date."""
    person_id = normalize.id_number(id_number)
    new_name = normalize.name(name) if name else None
    if status is not None and status not in STATUSES:
        raise AppError(ErrorCode.BAD_REQUEST, "待遇状态须为 " + " / ".join(STATUSES), field="status")
    if new_name is None and status is None:
        raise AppError(ErrorCode.BAD_REQUEST, "请填写要更正的姓名或待遇状态")
    id_key = svc.vault.lookup("id", person_id)
    if registry.get_person(id_key) is None:
        raise AppError(ErrorCode.NOT_FOUND)
    effective = beijing_date(svc.clock.now() + timedelta(days=1))
    before = registry.schedule_correction(id_key, name=new_name, status=status, effective=effective)
    return {"before": {"name": before.name, "status": before.status},
            "after": {"name": new_name or before.name, "status": status or before.status},
            "effective": effective}
