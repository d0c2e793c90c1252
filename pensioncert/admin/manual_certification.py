"""A confirmed manual certification (home visit, overseas): the second staff member approved the
first's visit (admin.confirmations, rules/four_eyes.py); the year's certification is stored under
the once-a-year rule with both names as its operator."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pensioncert.admin import labels
from pensioncert.dal import registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic.certification import record_unless_certified
from pensioncert.rules import four_eyes

if TYPE_CHECKING:
    from pensioncert.services import Services

OPERATOR = {kind: labels.MANUAL_OPERATORS[kind] for kind in (four_eyes.HOME_VISIT, four_eyes.OVERSEAS)}


def certify_confirmed(svc: Services, principal, confirmation, detail: dict) -> dict:
    person = registry.get_person(confirmation.subject_key)
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND)
    certification = record_unless_certified(
        svc, confirmation.subject_key, int(detail["year"]), confirmation.kind,
        operator=labels.MANUAL_OPERATOR.format(method=OPERATOR[confirmation.kind], visitor=detail["visited_by_name"],
                                               confirmer=principal.display_name),
        region=person.region, unit=person.unit, operator_user_id=f"staff:{confirmation.requested_by}",
        similarity=detail.get("similarity"), evidence_key=detail.get("evidence_key"),
        reference=detail.get("reference"))
    # The year certified meanwhile (any method, the app too): the approval stands, and says so.
    outcome = "passed" if certification is not None else "already_certified"
    certification_id = certification.certification_id if certification is not None else None
    if confirmation.kind == four_eyes.HOME_VISIT and detail.get("case_id"):
        from pensioncert.admin import home_visits

        home_visits.confirmation_confirmed(svc, detail["case_id"], outcome)
    return {"outcome": outcome, "certification_id": certification_id}
