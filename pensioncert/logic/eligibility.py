"""May this person certify now, and if not, why: the grey button, and the one pre-check of every
door that certifies (``may_certify``: the app, the admin's home visits and overseas list, appeals,
data matching). Each door maps the decision to its own answer; what it asks differs only by its
named ``CertifyPath`` (rules/certification.py)."""
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
    APP,
    ELIGIBILITY_MESSAGES,
    REASON_FOR_UNCONSENTED,
    CertifyPath,
    RegistryFacts,
    certification_year,
    effective_facts,
    eligibility_reason,
    record_reason,
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
    subject = resolve(svc.contacts, account, subject_param)
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
    decision = may_certify(svc, subject.id_key, APP, claimed_name=subject.name)
    return Eligibility(subject, decision.person, decision.reason)


@dataclass(frozen=True)
class CertifyDecision:
    """``may_certify``'s answer: allowed (``reason`` None), or the contract's reason why not
    (``rules.certification.eligibility_reason``), with the record it was decided on."""

    reason: str | None
    person: RegistryPersonTable | None  # the registry record read (None: no record)
    facts: RegistryFacts | None  # that record as the path reads it (None: none, or not asked)

    @property
    def allowed(self) -> bool:
        return self.reason is None


def may_certify(svc: Services, subject_key: str, path: CertifyPath, *,
                claimed_name: str | None = None) -> CertifyDecision:
    """May the person of ``subject_key`` certify now on ``path``: their registry record read
    here (only the one current today where the path asks so), then ``may_certify_person``."""
    today = beijing_date(svc.clock.now())
    person = registry.get_person(subject_key, today if path.current_record_only else None)
    return may_certify_person(svc, subject_key, person, path, claimed_name=claimed_name)


def may_certify_person(svc: Services, subject_key: str, person: RegistryPersonTable | None, path: CertifyPath,
                       *, claimed_name: str | None = None, certified: bool | None = None) -> CertifyDecision:
    """``may_certify`` for a record the caller already holds (``person``). ``certified``: whether
    this year's certification is stored, when the caller read it (the event import, once per
    batch); else it is read here, once the record allows. A stale answer is harmless: the
    conditional write (dal.certifications.store_once) decides the year's one certification."""
    now = svc.clock.now()
    facts = None
    if person is not None and path.checks_record:
        facts = effective_facts(person.name, person.status, person.corrected_name, person.corrected_status,
                                person.correction_effective, beijing_date(now), at_once=path.correction_at_once)
    reason = record_reason(facts, claimed_name, path)
    if reason is None:
        if certified is None:
            certified = certifications.for_year(subject_key, certification_year(now)) is not None
        reason = eligibility_reason(facts, claimed_name, certified, path)
    return CertifyDecision(reason, person, facts)
