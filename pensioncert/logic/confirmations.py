"""Opening a request for a second person's approval (rules/four_eyes.py); staff decide it in the
admin (admin/confirmations.py)."""
from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING

from pensioncert.repositories.confirmations import PENDING, Confirmation, ConfirmationExists

if TYPE_CHECKING:
    from pensioncert.services import Services


def request(svc: Services, *, kind: str, region: str, requested_by: str, requested_by_name: str,
            detail: dict, person=None, visited_by: str | None = None, confirmation_id: str | None = None,
            audit: dict | None = None) -> Confirmation | None:
    """The pending confirmation, or None when ``confirmation_id`` names one already (idempotent:
    a feed imported again lists its death records once)."""
    confirmation = Confirmation(
        confirmation_id=confirmation_id or "cf_" + secrets.token_hex(8), kind=kind, state=PENDING, region=region,
        requested_by=requested_by, requested_by_name=requested_by_name, visited_by=visited_by,
        detail=json.dumps(detail, ensure_ascii=False), created_at=svc.clock.now(),
        subject_key=person.id_key if person is not None else None,
        subject_id_sealed=person.id_sealed if person is not None else None,
        name=person.name if person is not None else None)
    try:
        svc.confirmations.create(confirmation, audit)
    except ConfirmationExists:
        return None
    return confirmation
