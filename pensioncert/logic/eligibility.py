"""The grey button: may this subject certify now, and if not, why."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pensioncert import labels
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
    attempts_left: int | None = None  # the caller's self-service tries left this year (v1.3)

    def as_response(self) -> dict:
        tries = {} if self.attempts_left is None else {"attempts_left": self.attempts_left}
        if self.reason is None:
            return {"eligible": True, "reason": None, "message": labels.ELIGIBLE, **tries}
        reason, message = told(self.subject, self.reason)
        return {"eligible": False, "reason": reason, "message": message, **tries}


def told(subject: Subject, reason: str) -> tuple[str, str]:
    """The reason and message the caller hears for a not-eligible ``subject``: the reason itself
    for the person and a consented contact, else one that says nothing of the person
    (``subjects.may_hear_about``; rules.certification.REASON_FOR_UNCONSENTED says why that code)."""
    if subject.consented:
        return reason, ELIGIBILITY_MESSAGES[reason]
    return REASON_FOR_UNCONSENTED, REASON_NOT_TOLD


def check(svc: Services, account, subject_param: str) -> Eligibility:
    subject = resolve(account, subject_param)
    checked = check_subject(svc, subject)
    return replace(checked, attempts_left=attempts_left_for(svc, account, subject))


def attempts_left_for(svc: Services, account, subject: Subject) -> int:
    """Contract v1.3: the caller's failed self-service tries left this year for ``subject`` (the
    subject's own budget, or the contact's own for a relative), so the app closes its path at 0."""
    operator = None if subject.is_self else account.user_id
    failed = certifications.failures(certifications.budget_key(subject.id_key, operator),
                                     certification_year(svc.clock.now()))
    return max(svc.settings.yearly_failed_attempts_limit - failed, 0)


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
