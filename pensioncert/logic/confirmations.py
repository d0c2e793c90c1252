"""Opening a request for a second person's approval (rules/four_eyes.py); staff decide it in the
admin (admin/confirmations.py)."""
from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING

from pensioncert.dal import confirmations as dal
from pensioncert.dal.admin_tables import ConfirmationTable

if TYPE_CHECKING:
    from pensioncert.services import Services


def request(svc: Services, *, kind: str, region: str, requested_by: str, requested_by_name: str,
            detail: dict, person=None, visited_by: str | None = None, confirmation_id: str | None = None,
            audit: dict | None = None) -> ConfirmationTable | None:
    """The pending confirmation, or None when ``confirmation_id`` names one already (idempotent:
    a feed imported again lists its death records once)."""
    now = svc.clock.now()
    item = ConfirmationTable(
        confirmation_id or "cf_" + secrets.token_hex(8), kind=kind, state=dal.PENDING, region=region,
        region_created=f"{region}#{now.isoformat()}", requested_by=requested_by,
        requested_by_name=requested_by_name, visited_by=visited_by,
        detail=json.dumps(detail, ensure_ascii=False), created_at=now,
        subject_key=person.id_key if person is not None else None,
        subject_id_sealed=person.id_sealed if person is not None else None,
        name=person.name if person is not None else None)
    return item if dal.create(item, audit) else None
