"""Home visits (上门认证): the queue, assignment, scheduling and the outcome of a visit."""
from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, labels, manual_evidence
from pensioncert.admin.principal import covers, require_person_in_scope, require_region, require_staff
from pensioncert.clock import BEIJING
from pensioncert.dal import registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import confirmations, eligibility, reviews
from pensioncert.logic.registry_import import ImportReport, RowError, read_csv
from pensioncert.repositories.home_visits import QUEUE_STATUSES, CaseChanged, HomeVisitCase, new_case_id
from pensioncert.rules import four_eyes
from pensioncert.rules.certification import ALREADY_CERTIFIED, HOME_VISIT, certification_year

if TYPE_CHECKING:
    from pensioncert.services import Services

UNIT_REPORT_COLUMNS = ("id_number", "reason", "address", "contact_phone")
# The outcomes of a closed case: labels.CASE_OUTCOME's, and a photo below the match threshold.
OUTCOME_LABELS = {**labels.CASE_OUTCOME, "review": labels.CASE_OUTCOME_REVIEW,
                  "confirming": labels.CASE_OUTCOME_CONFIRMING}
MAX_TEXT = 200


def queue(svc: Services, principal, statuses: tuple[str, ...] = QUEUE_STATUSES) -> list[dict]:
    """Open, assigned and scheduled cases of the principal's regions (the status index), oldest
    first."""
    principal = require_staff(principal)
    found = [case for status in statuses for region in principal.query_regions
             for case in svc.home_visits.with_status(status, region)]
    return [_row(svc, case) for case in sorted(found, key=lambda case: case.created_at)]


def create_from_unit_report(svc: Services, principal, *, id_number: str, reason: str, address: str,
                            contact_phone: str) -> str:
    principal = require_staff(principal)
    person_id = normalize.id_number(id_number)
    person = registry.get_person(svc.vault.lookup("id", person_id))
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND, labels.PERSON_NOT_FOUND)
    require_person_in_scope(principal, person.region, labels.PERSON_NOT_FOUND)
    now = svc.clock.now()
    case = HomeVisitCase(
        new_case_id(), subject_key=person.id_key, subject_id_sealed=person.id_sealed,
        name=person.name, region=person.region, unit=person.unit, status="open", source="unit_report",
        reason=_text(reason, labels.CASE_REASON_NEEDED),
        address_sealed=svc.vault.seal(_text(address, labels.CASE_ADDRESS_NEEDED)),
        contact_phone_sealed=svc.vault.seal(normalize.phone(contact_phone)),
        requested_by=f"staff:{principal.username}", created_at=now,
    )
    svc.home_visits.create(case)
    audit.record(svc, principal, "hv_create", target=f"{case.case_id} {person.name} "
                 f"{normalize.mask_id_number(person_id)}", region=person.region,
                 after={labels.FIELD_SOURCE: labels.CASE_FROM_UNIT_REPORT, labels.FIELD_REASON: case.reason})
    return case.case_id


def import_unit_reports(svc: Services, principal, csv_text: str) -> ImportReport:
    """A unit's list of people to visit (UTF-8 CSV: id_number,reason,address,contact_phone);
    each row is a case, errors reported with their line numbers."""
    require_staff(principal)
    report = ImportReport()
    reader = read_csv(csv_text, UNIT_REPORT_COLUMNS, report)
    if reader is None:
        return report
    for record in reader:
        report.rows += 1
        try:
            create_from_unit_report(svc, principal, **{c: record.get(c) or "" for c in UNIT_REPORT_COLUMNS})
            report.written += 1
        except AppError as error:
            report.errors.append(RowError(reader.line_num, error.extra.get("field", ""), error.message))
    return report


def assign(svc: Services, principal, case_id: str, username: str) -> None:
    case = _case(svc, principal, case_id)
    assignee = svc.staff.get(username or "")
    if assignee is None or not covers(assignee.role, assignee.regions, case.region):
        raise AppError(ErrorCode.BAD_REQUEST, labels.CASE_VISITOR_NEEDED)
    _move(svc, case, ("open", "assigned", "scheduled"), "assigned", assigned_to=assignee.username,
          scheduled_for=None)
    audit.record(svc, principal, "hv_assign", target=_target(case), region=case.region,
                 before={labels.AUDIT_ASSIGNEE: _staff_name(svc, case.assigned_to)},
                 after={labels.AUDIT_ASSIGNEE: assignee.display_name})


def schedule(svc: Services, principal, case_id: str, day: str) -> None:
    case = _case(svc, principal, case_id)
    try:
        when = datetime.strptime((day or "")[:10], "%Y-%m-%d").date()
    except ValueError:
        raise AppError(ErrorCode.BAD_REQUEST, labels.CASE_DATE_NEEDED) from None
    if when.isoformat() < svc.clock.now().astimezone(BEIJING).date().isoformat():
        raise AppError(ErrorCode.BAD_REQUEST, labels.CASE_DATE_PAST)
    _move(svc, case, ("assigned", "scheduled"), "scheduled", scheduled_for=when.isoformat())
    audit.record(svc, principal, "hv_schedule", target=_target(case), region=case.region,
                 before={labels.AUDIT_SCHEDULED_FOR: case.scheduled_for or ""},
                 after={labels.AUDIT_SCHEDULED_FOR: when.isoformat()})


def record_outcome(svc: Services, principal, case_id: str, *, passed: bool, failure_reason: str = "",
                   visit: manual_evidence.VisitFacts | None = None) -> dict:
    """A failed visit keeps the case on the queue with the reason. A passed one needs its evidence
    (``visit``: the photo taken there, the date, address and visiting staff; admin.manual_evidence):
    a photo that matches the trusted reference closes the case into a confirmation by a second staff
    member who did not visit (``outcome`` confirming; the approval stores the year's certification,
    method home_visit, the once-a-year rule); one below the match threshold closes it into a
    review case for a provincial reviewer instead (``outcome`` review)."""
    case = _case(svc, principal, case_id)
    if case.status not in ("assigned", "scheduled"):
        raise AppError(ErrorCode.BAD_REQUEST, labels.CASE_ASSIGN_FIRST)
    now = svc.clock.now()
    if not passed:
        reason = _text(failure_reason, labels.CASE_FAILURE_REASON_NEEDED)
        _move(svc, case, ("assigned", "scheduled"), "assigned", outcome="failed",
              failure_reason=reason, scheduled_for=None)
        audit.record(svc, principal, "hv_outcome", target=_target(case), region=case.region,
                     before={labels.AUDIT_STATE: labels.CASE_STATUS[case.status]},
                     after={labels.AUDIT_RESULT: labels.CASE_FAILED, labels.FIELD_REASON: reason})
        return {"outcome": "failed"}
    decision = eligibility.may_certify(svc, case.subject_key, HOME_VISIT)
    person, facts = decision.person, decision.facts
    if person is None or (decision.reason is not None and decision.reason != ALREADY_CERTIFIED):
        raise AppError(ErrorCode.NOT_ELIGIBLE, labels.NOT_A_RECIPIENT.format(
            status=labels.PERSON_STATUS.get(facts.status, "") if facts else labels.CASE_NO_RECORD))
    year = certification_year(now)
    if decision.reason == ALREADY_CERTIFIED:
        # Not refused but closed: the visit was made, and the year is already proved.
        return _close(svc, principal, case, "already_certified")
    proof = manual_evidence.check(svc, person, visit or manual_evidence.VisitFacts(None, "", "", ""),
                                  kind="home_visit", ref_id=case.case_id)
    evidence_fields = {"evidence_key": proof.evidence_key, "similarity": proof.similarity,
                       "visited_on": proof.visited_on, "visited_by": proof.visited_by,
                       "visit_address_sealed": svc.vault.seal(proof.address)}
    if not proof.matched:
        review = reviews.open_manual(
            svc, kind="home_visit", person=person, requested_by=f"staff:{principal.username}",
            evidence_key=proof.evidence_key, similarity=proof.similarity, reference=proof.reference,
            detail=proof.detail, visited_on=proof.visited_on, address=proof.address,
            visited_by=proof.visited_by, case_id=case.case_id,
            audit=audit.fields(principal, "review_open", target=_target(case), region=case.region,
                               after={labels.FIELD_SOURCE: labels.CASE_SOURCE_HOME_VISIT,
                                      labels.AUDIT_SIMILARITY: proof.score_label,
                                      labels.AUDIT_VISIT_DATE: proof.visited_on,
                                      labels.AUDIT_VISITOR: proof.visited_by_name}))
        result = _close(svc, principal, case, "review", review_id=review.review_id, proof=proof,
                        **evidence_fields)
        return {**result, "review_id": review.review_id, "similarity": proof.similarity}
    # Four eyes (rules/four_eyes.py): the certification waits for a second staff member who did
    # not visit; admin.confirmations applies it (manual_certification.certify_confirmed).
    confirmation = confirmations.request(
        svc, kind=four_eyes.HOME_VISIT, region=person.region, requested_by=principal.username,
        requested_by_name=principal.display_name, person=person, visited_by=proof.visited_by,
        detail={"case_id": case.case_id, "year": year, "evidence_key": proof.evidence_key,
                "similarity": proof.similarity, "reference": proof.reference, "visited_on": proof.visited_on,
                "visited_by_name": proof.visited_by_name})
    assert confirmation is not None  # a fresh random id
    return {**_close(svc, principal, case, "confirming", proof=proof, **evidence_fields),
            "similarity": proof.similarity, "confirmation_id": confirmation.confirmation_id}


def confirmation_confirmed(svc: Services, case_id: str, outcome: str) -> None:
    """The second person approved: the case's outcome is the certification's (a case not done,
    or none, is left as it is)."""
    with contextlib.suppress(CaseChanged):
        svc.home_visits.move(case_id, from_statuses=("done",), to_status="done", now=svc.clock.now(), outcome=outcome)


def confirmation_refused(svc: Services, confirmation, reason: str) -> None:
    """The second person did not confirm the visit: the case is back on the queue with the reason."""
    with contextlib.suppress(CaseChanged):
        svc.home_visits.move(json.loads(confirmation.detail)["case_id"], from_statuses=("done",), to_status="assigned",
                             now=svc.clock.now(), outcome="failed",
                             failure_reason=labels.CASE_NOT_CONFIRMED.format(reason=reason), scheduled_for=None)


def _close(svc: Services, principal, case: HomeVisitCase, outcome: str, proof=None, **fields) -> dict:
    _move(svc, case, ("assigned", "scheduled"), "done", outcome=outcome, failure_reason=None, **fields)
    after = {labels.AUDIT_RESULT: OUTCOME_LABELS[outcome]}
    if proof is not None:
        after.update({labels.AUDIT_SIMILARITY: proof.score_label, labels.AUDIT_VISIT_DATE: proof.visited_on,
                      labels.AUDIT_VISITOR: proof.visited_by_name})
    audit.record(svc, principal, "hv_outcome", target=_target(case), region=case.region,
                 before={labels.AUDIT_STATE: labels.CASE_STATUS[case.status]}, after=after)
    return {"outcome": outcome}


def _staff_name(svc: Services, username: str | None) -> str:
    """A staff member's name as the audit shows an assignee ("" for none; the username of an account
    since removed)."""
    if not username:
        return ""
    member = svc.staff.get(username)
    return member.display_name if member is not None else username


def _case(svc: Services, principal, case_id: str) -> HomeVisitCase:
    require_staff(principal)
    case = svc.home_visits.get(case_id) if case_id else None
    if case is None:
        raise AppError(ErrorCode.NOT_FOUND, labels.CASE_NOT_FOUND)
    require_region(principal, case.region)
    return case


def _move(svc: Services, case: HomeVisitCase, from_statuses, to_status, **fields) -> HomeVisitCase:
    """The case as moved. An audit's "before" is ``case``, as read before the move (the move holds
    only if the case was still in one of ``from_statuses``). Until 2026-12-08 it was read from the
    moved item, so these audits showed the new value as the old one."""
    try:
        return svc.home_visits.move(case.case_id, from_statuses=from_statuses, to_status=to_status,
                                    now=svc.clock.now(), **fields)
    except CaseChanged:
        raise AppError(ErrorCode.BAD_REQUEST, labels.CASE_CHANGED) from None


def _row(svc: Services, case: HomeVisitCase) -> dict:
    vault = svc.vault
    return {
        "case_id": case.case_id, "name": case.name,
        "id_masked": normalize.mask_id_number(vault.open(case.subject_id_sealed)),
        "region": case.region, "unit": case.unit,
        "source": labels.CASE_SOURCE.get(case.source, case.source), "reason": case.reason,
        "address": vault.open(case.address_sealed) if case.address_sealed else "",
        "phone": normalize.mask_phone(vault.open(case.contact_phone_sealed))
        if case.contact_phone_sealed else "",
        "status": case.status, "status_label": labels.CASE_STATUS.get(case.status, case.status),
        "assigned_to": case.assigned_to or "", "scheduled_for": case.scheduled_for or "",
        "last_outcome": (labels.CASE_LAST_FAILED + (case.failure_reason or "")) if case.outcome == "failed" else "",
        "created": case.created_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
    }


def _target(case: HomeVisitCase) -> str:
    return f"{case.case_id} {case.name}"


def _text(value: str | None, message: str) -> str:
    text = normalize.nfkc(value or "")
    if not text or len(text) > MAX_TEXT:
        raise AppError(ErrorCode.BAD_REQUEST, labels.TEXT_WITHIN_LIMIT.format(message=message, limit=MAX_TEXT))
    return text
