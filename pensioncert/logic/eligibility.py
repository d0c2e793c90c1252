"""The grey button: may this subject certify now, and if not, why."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pensioncert.clock import beijing_date
from pensioncert.dal import certifications, registry
from pensioncert.dal.tables import RegistryPersonTable
from pensioncert.logic.subjects import Subject, resolve
from pensioncert.rules.certification import (
    ELIGIBILITY_MESSAGES,
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
        return {
            "eligible": self.reason is None,
            "reason": self.reason,
            "message": ELIGIBILITY_MESSAGES[self.reason] if self.reason else "可以进行资格认证",
        }


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
