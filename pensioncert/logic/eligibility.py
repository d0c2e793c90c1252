"""The grey button: may this subject certify now, and if not, why."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pensioncert.clock import beijing_date
from pensioncert.dal import certifications, registry
from pensioncert.dal.tables import RegistryPersonTable
from pensioncert.errors import REASON_NOT_TOLD
from pensioncert.logic.subjects import Subject, resolve
from pensioncert.rules.certification import (
    ELIGIBILITY_MESSAGES,
    REASON_FOR_UNCONSENTED,
    certification_year,
    effective_facts,
    eligibility_reason,
)

if TYPE_CHECKING:
    from pensioncert.services import Services


@dataclass(frozen=True)
class Eligibility:
    subject: Subject
    person: RegistryPersonTable | None
    reason: str | None

    def as_response(self) -> dict:
        if self.reason is None:
            return {"eligible": True, "reason": None, "message": "可以进行资格认证"}
        reason, message = told(self.subject, self.reason)
        return {"eligible": False, "reason": reason, "message": message}


def told(subject: Subject, reason: str) -> tuple[str, str]:
    """The reason and message the caller hears for a not-eligible ``subject``: the reason itself
    for the person and a consented contact, else one that says nothing of the person
    (``subjects.may_hear_about``; rules.certification.REASON_FOR_UNCONSENTED says why that code)."""
    if subject.consented:
        return reason, ELIGIBILITY_MESSAGES[reason]
    return REASON_FOR_UNCONSENTED, REASON_NOT_TOLD


def check(svc: Services, account, subject_param: str) -> Eligibility:
    subject = resolve(account, subject_param)
    return check_subject(svc, subject)


def check_subject(svc: Services, subject: Subject) -> Eligibility:
    now = svc.clock.now()
    today = beijing_date(now)
    # Only the record current today: an ID-number correction switches numbers at midnight.
    person = registry.get_person(subject.id_key, today)
    facts = effective_facts(
        person.name, person.status, person.corrected_name, person.corrected_status,
        person.correction_effective, today,
    ) if person else None
    year = certification_year(now)
    certified = person is not None and certifications.for_year(subject.id_key, year) is not None
    return Eligibility(subject, person, eligibility_reason(facts, subject.name, certified))
